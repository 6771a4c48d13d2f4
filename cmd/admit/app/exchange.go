package app

import (
	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/login/social"
	"github.com/admit-idp/admit/op"
)

// nativeUpstream adapts social login's native sign-in to op.Upstream and
// maps its refusals to OAuth errors that tell the app what to do.
type nativeUpstream struct{ m *social.Method }

type nativeIdentity struct{ social.NativeIdentity }

func (n nativeIdentity) Subject() string { return n.ProviderID + ":" + n.Profile.Subject }

func (n nativeUpstream) VerifyUpstreamIDToken(ctx context.Context, token, nonce string) (op.UpstreamIdentity, error) {
	id, err := n.m.VerifyNativeIDToken(ctx, token, nonce)
	if err != nil {
		return nil, err
	}
	return nativeIdentity{id}, nil
}

func (n nativeUpstream) ResolveUpstream(ctx context.Context, tenantID string, id op.UpstreamIdentity) (string, []string, error) {
	ni, ok := id.(nativeIdentity)
	if !ok {
		return "", nil, oidc.ErrInvalidRequest().WithDescription("subject_token is invalid")
	}
	res, err := n.m.ResolveNative(ctx, tenantID, ni.NativeIdentity)
	name := ni.ProviderName
	switch {
	case errors.Is(err, social.ErrUnverifiedEmail):
		return "", nil, oidc.ErrInvalidGrant().WithDescription("%s did not verify the e-mail address of this account, so it cannot be used to create an account or be matched to one", name)
	case errors.Is(err, social.ErrLinkRequired):
		return "", nil, oidc.ErrInvalidGrant().WithDescription("account_link_required: an account with this e-mail address exists but is not linked to this %s account; send the user through the hosted sign-in (authorization code flow) to sign in to that account and link %s", name, name)
	case errors.Is(err, social.ErrSignUpClosed):
		return "", nil, oidc.ErrInvalidGrant().WithDescription("no account uses this %s account", name)
	case errors.Is(err, social.ErrAccountRefused):
		return "", nil, oidc.ErrInvalidGrant().WithDescription("this account cannot sign in")
	case err != nil:
		return "", nil, err
	}
	return res.UserID, res.AMR, nil
}
