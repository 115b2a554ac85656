package validation

import "testing"

func TestIsPhoneNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"+358401234567":             true,
		"+1 (555) 555-5555":         true,
		"tel:+1-201-555-0123":       true,
		"TEL:+1-201-555-0123;ext=1": true,
		"0401234567":                false,
		"+0123":                     false,
		"+1234567890123456":         false,
		"tel:555-0123":              false,
		"call me":                   false,
		"":                          false,
	} {
		if got := IsPhoneNumber(s); got != want {
			t.Errorf("IsPhoneNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestIsLanguage(t *testing.T) {
	for s, want := range map[string]bool{
		"en": true, "fi": true, "en-US": true, "EN-us": true, "pt_BR": true, "es-419": true,
		"xx": false, "eng": false, "en-USA": false, "": false, "english": false,
	} {
		if got := IsLanguage(s); got != want {
			t.Errorf("IsLanguage(%q) = %v, want %v", s, got, want)
		}
	}
}
