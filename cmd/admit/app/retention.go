package app

import "context"

// sweepStaleDevices forgets devices not seen for the device retention
// (defences.device_retention), on every backend: a device row is added for
// every new browser, and without this the table only grows.
func (a *App) sweepStaleDevices(ctx context.Context) {
	retention := a.Config.Defences.DeviceRetentionOrDefault()
	n, err := a.Stores.Durable.DeleteStaleDevices(ctx, a.Now().Add(-retention))
	if err != nil && ctx.Err() == nil {
		a.Logger.WarnContext(ctx, "forgetting stale devices", "error", err)
		return
	}
	if n > 0 {
		a.Logger.InfoContext(ctx, "forgot devices not seen within the retention", "devices", n, "retention", retention)
	}
}
