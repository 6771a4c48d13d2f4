package wallet

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Chain families Admit accepts, named as in the message header
// ("… sign in with your Ethereum account:").
const (
	Ethereum = "ethereum"
	Solana   = "solana"
)

// Message is a Sign-In with Ethereum (EIP-4361) or Sign-In with Solana
// message. Both share one grammar; only the header word and the address and
// chain-id syntax differ.
type Message struct {
	Chain          string // Ethereum or Solana
	Domain         string
	Address        string
	Statement      string
	URI            string
	Version        string
	ChainID        string
	Nonce          string
	IssuedAt       time.Time
	ExpirationTime time.Time // zero when absent
	NotBefore      time.Time // zero when absent
	RequestID      string
	Resources      []string
}

// ErrMalformed: the text is not a well-formed sign-in message.
var ErrMalformed = errors.New("wallet: malformed sign-in message")

var headerWord = map[string]string{Ethereum: "Ethereum", Solana: "Solana"}

// timeLayout is RFC 3339 as both specifications require; Admit emits UTC
// with millisecond precision, like ethers and the browser's toISOString.
const timeLayout = "2006-01-02T15:04:05.000Z"

// String renders the message exactly as the EIP-4361 ABNF lays it out. The
// browser script builds the same text (static/wallet.js); the server never
// trusts a text it did not parse.
func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s wants you to sign in with your %s account:\n%s\n\n", m.Domain, headerWord[m.Chain], m.Address)
	if m.Statement != "" {
		b.WriteString(m.Statement + "\n")
	}
	fmt.Fprintf(&b, "\nURI: %s\nVersion: %s\nChain ID: %s\nNonce: %s\nIssued At: %s", m.URI, m.Version, m.ChainID, m.Nonce, m.IssuedAt.UTC().Format(timeLayout))
	if !m.ExpirationTime.IsZero() {
		b.WriteString("\nExpiration Time: " + m.ExpirationTime.UTC().Format(timeLayout))
	}
	if !m.NotBefore.IsZero() {
		b.WriteString("\nNot Before: " + m.NotBefore.UTC().Format(timeLayout))
	}
	if m.RequestID != "" {
		b.WriteString("\nRequest ID: " + m.RequestID)
	}
	if len(m.Resources) > 0 {
		b.WriteString("\nResources:")
		for _, r := range m.Resources {
			b.WriteString("\n- " + r)
		}
	}
	return b.String()
}

var (
	headerRE = regexp.MustCompile(`^([^\s/]+) wants you to sign in with your (Ethereum|Solana) account:$`)
	nonceRE  = regexp.MustCompile(`^[A-Za-z0-9]{8,}$`)
)

// ParseMessage parses text strictly: every line in the order of the ABNF,
// nothing extra, no trailing newline. Scheme-prefixed domains (EIP-4361's
// optional "https://") are refused because Admit never issues them.
func ParseMessage(text string) (Message, error) {
	p := &parser{lines: strings.Split(text, "\n")}
	m, err := p.message()
	if err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return m, nil
}

type parser struct {
	lines []string
	i     int
}

func (p *parser) next() (string, bool) {
	if p.i >= len(p.lines) {
		return "", false
	}
	p.i++
	return p.lines[p.i-1], true
}

func (p *parser) peek() string {
	if p.i >= len(p.lines) {
		return ""
	}
	return p.lines[p.i]
}

func (p *parser) message() (Message, error) {
	var m Message
	if err := p.header(&m); err != nil {
		return m, err
	}
	if err := p.statement(&m); err != nil {
		return m, err
	}
	if err := p.required(&m); err != nil {
		return m, err
	}
	if err := p.optional(&m); err != nil {
		return m, err
	}
	if p.i != len(p.lines) {
		return m, fmt.Errorf("unexpected line %q", p.peek())
	}
	return m, nil
}

func (p *parser) header(m *Message) error {
	line, _ := p.next()
	g := headerRE.FindStringSubmatch(line)
	if g == nil {
		return errors.New("bad header line")
	}
	m.Domain = g[1]
	m.Chain = strings.ToLower(g[2])
	addr, ok := p.next()
	if !ok || addr == "" || strings.ContainsAny(addr, " \t\r") {
		return errors.New("bad address line")
	}
	m.Address = addr
	return nil
}

// statement: an empty line, then either an empty line (no statement) or the
// statement and an empty line.
func (p *parser) statement(m *Message) error {
	if l, ok := p.next(); !ok || l != "" {
		return errors.New("missing blank line after address")
	}
	l, ok := p.next()
	if !ok {
		return errors.New("truncated")
	}
	if l == "" {
		return nil
	}
	if strings.ContainsAny(l, "\r") {
		return errors.New("bad statement")
	}
	m.Statement = l
	if l, ok := p.next(); !ok || l != "" {
		return errors.New("missing blank line after statement")
	}
	return nil
}

func (p *parser) field(name string) (string, error) {
	l, ok := p.next()
	v, found := strings.CutPrefix(l, name+": ")
	if !ok || !found || v == "" {
		return "", fmt.Errorf("missing %q", name)
	}
	return v, nil
}

func (p *parser) required(m *Message) error {
	var err error
	fields := []struct {
		name string
		dst  *string
	}{{"URI", &m.URI}, {"Version", &m.Version}, {"Chain ID", &m.ChainID}, {"Nonce", &m.Nonce}}
	for _, f := range fields {
		if *f.dst, err = p.field(f.name); err != nil {
			return err
		}
	}
	if _, err := url.Parse(m.URI); err != nil || !strings.Contains(m.URI, ":") {
		return errors.New("bad URI")
	}
	if !nonceRE.MatchString(m.Nonce) {
		return errors.New("bad nonce")
	}
	issued, err := p.field("Issued At")
	if err != nil {
		return err
	}
	m.IssuedAt, err = parseTime(issued)
	return err
}

func (p *parser) optional(m *Message) error {
	var err error
	if v, ok := strings.CutPrefix(p.peek(), "Expiration Time: "); ok {
		p.i++
		if m.ExpirationTime, err = parseTime(v); err != nil {
			return err
		}
	}
	if v, ok := strings.CutPrefix(p.peek(), "Not Before: "); ok {
		p.i++
		if m.NotBefore, err = parseTime(v); err != nil {
			return err
		}
	}
	if v, ok := strings.CutPrefix(p.peek(), "Request ID: "); ok {
		p.i++
		m.RequestID = v
	}
	if p.peek() == "Resources:" && p.i < len(p.lines) {
		p.i++
		for strings.HasPrefix(p.peek(), "- ") {
			l, _ := p.next()
			m.Resources = append(m.Resources, l[2:])
		}
	}
	return nil
}

// rfc3339RE is RFC 3339 section 5.6's date-time, exactly: four-digit year,
// two-digit month, day, hour, minute and second, an optional fraction, and
// "Z" or a two-digit hour:minute offset ("T" and "Z" may be lower case, per
// the note in 5.6). Go's time.Parse is more lenient (a one-digit hour such
// as "0000-01-01T0:00:00Z" passes), and both EIP-4361 and Sign-In with
// Solana require RFC 3339, so the syntax is checked first; time.Parse then
// checks the ranges (month 1-12, the day within the month, hour 0-23...).
var rfc3339RE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// ErrBadTimestamp: a time field of the message is not an RFC 3339
// date-time.
var ErrBadTimestamp = errors.New("not an RFC 3339 date-time")

func parseTime(s string) (time.Time, error) {
	if !rfc3339RE.MatchString(s) {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadTimestamp, s)
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadTimestamp, s)
	}
	return t.UTC(), nil
}
