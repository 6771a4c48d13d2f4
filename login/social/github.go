package social

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// githubUpstream is GitHub's OAuth 2.0 (not OpenID Connect): the profile
// comes from the REST API, the e-mail from /user/emails (the primary one,
// and only if GitHub verified it).
type githubUpstream struct {
	oauth  *oauth2.Config
	apiURL string
	client *http.Client
}

func newGitHub(cfg ProviderConfig, redirectURL string, client *http.Client) *githubUpstream {
	base := strings.TrimSuffix(orDefault(cfg.BaseURL, GitHubBaseURL), "/")
	api := strings.TrimSuffix(orDefault(cfg.APIURL, GitHubAPIURL), "/")
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"read:user", "user:email"}
	}
	return &githubUpstream{
		oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: redirectURL, Scopes: cfg.Scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL: base + "/login/oauth/authorize", TokenURL: base + "/login/oauth/access_token",
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
		apiURL: api, client: client,
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (g *githubUpstream) authURL(_ context.Context, s secrets) (string, error) {
	return g.oauth.AuthCodeURL(s.State, oauth2.S256ChallengeOption(s.Verifier)), nil
}

func (g *githubUpstream) exchange(ctx context.Context, cb callback, s secrets) (Profile, error) {
	tok, err := g.oauth.Exchange(withClient(ctx, g.client), cb.Code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		return Profile{}, fmt.Errorf("social: github token request: %w", err)
	}
	var user struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	if err := g.get(ctx, tok, "/user", &user); err != nil {
		return Profile{}, err
	}
	if user.ID == 0 {
		return Profile{}, fmt.Errorf("%w: github /user without an id", errRejected)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := g.get(ctx, tok, "/user/emails", &emails); err != nil {
		return Profile{}, err
	}
	p := Profile{Subject: strconv.FormatInt(user.ID, 10)}
	p.GivenName, p.FamilyName = splitName(user.Name)
	for _, e := range emails {
		if e.Primary {
			p.Email, p.EmailVerified = e.Email, e.Verified
		}
	}
	return p, nil
}

// get calls the REST API with the user's token.
func (g *githubUpstream) get(ctx context.Context, tok *oauth2.Token, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.apiURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	tok.SetAuthHeader(req)
	resp, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("social: github %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }() // the body is read (or abandoned) by then: nothing to report
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case err != nil:
		return fmt.Errorf("social: github %s: %w", path, err)
	case resp.StatusCode >= 500:
		return fmt.Errorf("%w: github %s: status %d", errUnavailable, path, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: github %s: status %d", errRejected, path, resp.StatusCode)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%w: github %s: %w", errRejected, path, err)
	}
	return nil
}

// splitName splits GitHub's single display name at the last space.
func splitName(name string) (given, family string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}
