package adminapi

import "net/http"

// maxImportBody bounds one streamed import (about two million users with
// factors); larger migrations use `admit import`.
const maxImportBody = 2 << 30

// importUsers streams a JSON Lines body into the shared importer and
// answers its report. Bad records are in the report, not an error.
func (h *Handler) importUsers(w http.ResponseWriter, r *http.Request) {
	// dry_run is checked against openapi.yaml by the validate middleware.
	dry := query{r: r}.boolp("dry_run")
	body := http.MaxBytesReader(w, r.Body, maxImportBody)
	rep, err := h.Service.ImportUsers(r.Context(), principal(r), tenantID(r), body, dry != nil && *dry)
	h.respond(w, r, http.StatusOK, rep, err)
}
