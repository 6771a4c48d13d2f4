package app

import (
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/devicegrant"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
)

// deviceGrant is the op side of the device authorization grant.
func (a *App) deviceGrant() *op.DeviceGrant {
	return &op.DeviceGrant{
		Store: a.Stores.Ephemeral, Lifetime: a.Config.Device.CodeLifetime, PollInterval: a.Config.Device.PollInterval,
		UserFormPath: devicegrant.Path,
	}
}

// devicePages is the user's side: /device.
func (a *App) devicePages() *devicegrant.Pages {
	return &devicegrant.Pages{
		Engine: a.Engine, Sessions: a.Engine.Sessions, Cookies: a.Engine.Cookies,
		Store: a.Stores.Ephemeral, Dir: a.Stores.Durable, Limiter: a.Stores.Ephemeral,
		Audit: a.Audit, Logger: a.Logger,
		// The browser login's gate (login.Engine.Gate, set with the
		// accounts) for the device's client.
		Gate: func(c storage.Client, u storage.User) string {
			if a.Engine.Gate == nil {
				return ""
			}
			return a.Engine.Gate(&login.Flow{Client: c}, u)
		},
	}
}
