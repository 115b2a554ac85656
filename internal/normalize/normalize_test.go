// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package normalize

import "testing"

func TestPhone(t *testing.T) {
	for _, tc := range []struct {
		value, region, want, ext string
		ok                       bool
	}{
		{"+358401234567", "", "+358401234567", "", true},
		{"+358 40 123 4567", "", "+358401234567", "", true},
		{"+1 (201) 555-0123", "", "+12015550123", "", true},
		{"tel:+1-201-555-0123", "", "+12015550123", "", true},
		{"TEL:+1-201-555-0123;ext=1", "", "+12015550123", "1", true},
		{"+1 201 555 0123 ext. 44", "", "+12015550123", "44", true},
		{"(201) 555-0123 x123", "US", "+12015550123", "123", true},
		{"(201) 555-0123", "US", "+12015550123", "", true},
		{"201.555.0123", "us", "+12015550123", "", true},
		{"040 123 4567", "FI", "+358401234567", "", true},
		{"00358 40 1234567", "FI", "+358401234567", "", true},
		{"+44 20 7946 0958", "FI", "+442079460958", "", true},
		{"(201) 555-0123", "", "", "", false},
		{"040 123 4567", "", "", "", false},
		{"+1 555", "", "", "", false},
		{"call reception", "US", "", "", false},
		{"", "US", "", "", false},
	} {
		got, ext, ok := Phone(tc.value, tc.region)
		if got != tc.want || ext != tc.ext || ok != tc.ok {
			t.Errorf("Phone(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.value, tc.region, got, ext, ok, tc.want, tc.ext, tc.ok)
		}
	}
}

func TestIsRegion(t *testing.T) {
	for region, want := range map[string]bool{"FI": true, "us": true, "GB": true, "ZZ": false, "XX": false, "": false} {
		if got := IsRegion(region); got != want {
			t.Errorf("IsRegion(%q) = %v, want %v", region, got, want)
		}
	}
}

func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{
		{"fi", "fi", true},
		{"FI", "fi", true},
		{"en-US", "en", true},
		{"en_US", "en", true},
		{"zh-Hant-TW", "zh", true},
		{"sr-Latn-RS", "sr", true},
		{"es-419", "es", true},
		{"fil", "fil", true},
		{"fil-PH", "fil", true},
		{"fin", "fi", true},
		{"en-US, en;q=0.8", "en", true},
		{"de;q=0.5, fr-CH", "fr", true},
		{" pt-BR ", "pt", true},
		{"xx", "", false},
		{"english", "", false},
		{"und", "", false},
		{"*", "", false},
		{"", "", false},
		{"en-", "", false},
	} {
		got, ok := Language(tc.value)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Language(%q) = %q, %v; want %q, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSameLanguageTag(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"fi", "FI", true},
		{"en_US", "en-us", true},
		{"en-US", "en-GB", false},
		{"fi", "sv", false},
	} {
		if got := SameLanguageTag(tc.a, tc.b); got != tc.want {
			t.Errorf("SameLanguageTag(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDate(t *testing.T) {
	for _, tc := range []struct {
		value, want string
		ok          bool
	}{
		{"2024-03-01", "2024-03-01", true},
		{"2024-03-01T00:00:00Z", "2024-03-01", true},
		{"2024-03-01T23:30:00-05:00", "2024-03-01", true},
		{"2024-03-01T08:00:00.000Z", "2024-03-01", true},
		{"2024-03-01T08:00:00", "2024-03-01", true},
		{"2024-03-01 08:00:00", "2024-03-01", true},
		{"2024-02-30", "", false},
		{"01/03/2024", "", false},
		{"soon", "", false},
		{"", "", false},
	} {
		got, ok := Date(tc.value)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Date(%q) = %q, %v; want %q, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIsEmail(t *testing.T) {
	for value, want := range map[string]bool{
		"ann@example.com":            true,
		"Ann.Lee+scim@example.co.uk": true,
		"ann":                        false,
		"Ann <ann@example.com>":      false,
		"ann@":                       false,
		"":                           false,
	} {
		if got := IsEmail(value); got != want {
			t.Errorf("IsEmail(%q) = %v, want %v", value, got, want)
		}
	}
}
