package app

import (
	"log/slog"

	"github.com/admit-idp/admit/op/endpoints"
)

// SetDefaultLogger makes log the process's default logger, with zitadel's
// op's own lines kept at DEBUG (endpoints.SetDefaultLogger).
func SetDefaultLogger(log *slog.Logger) { endpoints.SetDefaultLogger(log) }
