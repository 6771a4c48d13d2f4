package adminapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// --- brands (issue 17): a tenant's brand at /tenants/{id}/brand, a
// client's override at /tenants/{id}/clients/{clientId}/brand.

type brandInput struct {
	DisplayName   string `json:"display_name"`
	PrimaryColor  string `json:"primary_color"`
	SupportURL    string `json:"support_url"`
	PrivacyURL    string `json:"privacy_url"`
	DefaultLocale string `json:"default_locale"`
}

type brandLogoView struct {
	Type   string `json:"type"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

type brandView struct {
	TenantID      string         `json:"tenant_id"`
	ClientID      string         `json:"client_id,omitempty"`
	DisplayName   string         `json:"display_name"`
	PrimaryColor  string         `json:"primary_color"`
	SupportURL    string         `json:"support_url"`
	PrivacyURL    string         `json:"privacy_url"`
	DefaultLocale string         `json:"default_locale"`
	Logo          *brandLogoView `json:"logo,omitempty"`
	UpdatedAt     *time.Time     `json:"updated_at,omitempty"`
}

func viewBrand(b storage.Brand) brandView {
	v := brandView{TenantID: b.TenantID, ClientID: b.ClientID, DisplayName: b.DisplayName, PrimaryColor: b.PrimaryColor,
		SupportURL: b.SupportURL, PrivacyURL: b.PrivacyURL, DefaultLocale: b.DefaultLocale, UpdatedAt: ts(b.UpdatedAt)}
	if len(b.Logo) > 0 {
		sum := sha256.Sum256(b.Logo)
		seg := b.ClientID
		if seg == "" {
			seg = "-"
		}
		v.Logo = &brandLogoView{Type: b.LogoType, Bytes: len(b.Logo), SHA256: hex.EncodeToString(sum[:]),
			URL: "/brand/" + b.TenantID + "/" + seg + "/logo"}
	}
	return v
}

func clientIDParam(r *http.Request) string { return chi.URLParam(r, "clientId") }

func (h *Handler) getBrand(w http.ResponseWriter, r *http.Request) {
	b, err := h.Service.GetBrand(r.Context(), principal(r), tenantID(r), clientIDParam(r))
	h.respond(w, r, http.StatusOK, viewBrand(b), err)
}

func (h *Handler) putBrand(w http.ResponseWriter, r *http.Request) {
	var in brandInput
	if !decode(w, r, &in) {
		return
	}
	b, err := h.Service.SetBrand(r.Context(), principal(r), tenantID(r), clientIDParam(r), admin.BrandInput(in))
	h.respond(w, r, http.StatusOK, viewBrand(b), err)
}

func (h *Handler) deleteBrand(w http.ResponseWriter, r *http.Request) {
	err := h.Service.DeleteBrand(r.Context(), principal(r), tenantID(r), clientIDParam(r))
	h.respond(w, r, http.StatusNoContent, nil, err)
}

// putBrandLogo reads the image (at most storage.MaxLogoBytes; one byte
// more tells an oversize upload) and lets storage/admin sniff its type.
func (h *Handler) putBrandLogo(w http.ResponseWriter, r *http.Request) {
	// Rights first: a caller who may not brand this tenant learns nothing
	// about what the upload would have met.
	if err := h.Service.CheckBrandAccess(r.Context(), principal(r), tenantID(r), clientIDParam(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	logo, err := io.ReadAll(io.LimitReader(r.Body, storage.MaxLogoBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || len(logo) > storage.MaxLogoBytes:
		writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the logo is larger than 256 KiB", nil)
		return
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "malformed", "Bad Request", "the logo could not be read", nil)
		return
	case len(logo) == 0:
		writeProblem(w, http.StatusUnprocessableEntity, "validation", "Validation Failed", "send the image as the body (DELETE removes the logo)", nil)
		return
	}
	b, err := h.Service.SetBrandLogo(r.Context(), principal(r), tenantID(r), clientIDParam(r), logo)
	h.respond(w, r, http.StatusOK, viewBrand(b), err)
}

func (h *Handler) deleteBrandLogo(w http.ResponseWriter, r *http.Request) {
	b, err := h.Service.SetBrandLogo(r.Context(), principal(r), tenantID(r), clientIDParam(r), nil)
	h.respond(w, r, http.StatusOK, viewBrand(b), err)
}
