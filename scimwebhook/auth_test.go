package scimwebhook

import (
	"net/http"
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   string
		ok     bool
	}{
		{header: "Bearer abc", want: "abc", ok: true},
		{header: "bearer abc", want: "abc", ok: true},
		{header: "BEARER  abc ", want: "abc", ok: true},
		{header: "Basic abc"},
		{header: "Bearer"},
		{header: "Bearer   "},
		{header: ""},
		{header: "abc"},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			r.Header.Set(HeaderAuthorization, tc.header)
		}
		got, ok := bearerToken(r)
		if got != tc.want || ok != tc.ok {
			t.Errorf("bearerToken(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTokenMatches(t *testing.T) {
	long := strings.Repeat("a", 32)
	short := strings.Repeat("a", 31)
	for _, tc := range []struct {
		name      string
		stored    string
		presented string
		want      bool
	}{
		{name: "equal", stored: long, presented: long, want: true},
		{name: "different", stored: long, presented: strings.Repeat("b", 32)},
		{name: "prefix", stored: long, presented: long[:31]},
		{name: "longer", stored: long, presented: long + "a"},
		{name: "stored too short", stored: short, presented: short},
		{name: "empty stored", stored: "", presented: ""},
		{name: "stored with a trailing newline", stored: long + "\n", presented: long, want: true},
		{name: "stored with surrounding blanks", stored: " " + long + "\r\n", presented: long, want: true},
		{name: "too short once trimmed", stored: short + "\n", presented: short},
	} {
		if got := tokenMatches([]byte(tc.stored), tc.presented); got != tc.want {
			t.Errorf("%s: tokenMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}
