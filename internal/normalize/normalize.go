// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package normalize reads attribute values as directories hold them (phone
// numbers in national formats, language tags in any BCP 47 form, dates
// with times) and gives the normal form applications consume, or says
// that a value has none. Values are never refused here: the identity
// provider's value is stored as sent, and what this package cannot read
// is reported.
package normalize

import (
	"net/mail"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// Phone is the E.164 form of a phone number as a directory holds it:
// international ("+358 40 123 4567"), RFC 3966 ("tel:+1-201-555-0123;ext=1")
// or national ("(201) 555-0123"), read in region, an ISO 3166-1 alpha-2
// code, when it carries no country code, and its extension ("1", from
// ";ext=1" or " ext. 1"), which E.164 cannot hold. ok is false when the
// value is not a valid number, or is national and no region is known.
func Phone(value, region string) (e164, extension string, ok bool) {
	if strings.TrimSpace(value) == "" {
		return "", "", false
	}
	if region == "" {
		// "ZZ" is libphonenumber's unknown region: only numbers with a
		// country code parse.
		region = "ZZ"
	}
	n, err := phonenumbers.Parse(value, strings.ToUpper(region))
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), n.GetExtension(), true
}

// IsRegion reports whether region is a region phone numbers can be read
// in.
func IsRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
}

// Language is the base language of a language tag in any form
// directories send: BCP 47 ("zh-Hant-TW", "sr-Latn-RS"), with underscores
// ("en_US"), or an Accept-Language list ("en-US, en;q=0.8"), whose
// preferred entry counts. The base is the ISO 639-1 code, or the ISO 639-2
// or -3 code of a language that has no two-letter one ("fil"). ok is false
// when no known language can be read from value.
func Language(value string) (base string, ok bool) {
	value = strings.TrimSpace(strings.ReplaceAll(value, "_", "-"))
	if value == "" {
		return "", false
	}
	if i := strings.IndexAny(value, ",;"); i >= 0 {
		// An Accept-Language list: its entries are sorted by weight, and
		// the preferred one is the user's language.
		tags, _, err := language.ParseAcceptLanguage(value)
		if err != nil || len(tags) == 0 {
			return "", false
		}
		value = tags[0].String()
	}
	tag, err := language.Raw.Parse(value)
	if err != nil {
		return "", false
	}
	b, confidence := tag.Base()
	if confidence != language.Exact || b.String() == "und" || b.String() == "mul" {
		return "", false
	}
	return b.String(), true
}

// SameLanguageTag reports whether two values name the same tag, as the
// identity provider sends them: a change in case or in the separator
// ("fi" to "FI", "en_US" to "en-US") is not a new value.
func SameLanguageTag(a, b string) bool {
	canon := func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "_", "-") }
	return strings.EqualFold(canon(a), canon(b))
}

// dateLayouts are the forms a date attribute arrives in: a date, or a
// date-time where an identity provider maps a DateTime attribute to it.
var dateLayouts = []string{time.DateOnly, time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04"}

// Date is the YYYY-MM-DD date a value names, read as written: a date-time
// gives the date in its own offset, not converted to UTC.
func Date(value string) (string, bool) {
	value = strings.TrimSpace(value)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, value); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// IsEmail reports whether value is one bare email address.
func IsEmail(value string) bool {
	a, err := mail.ParseAddress(value)
	return err == nil && a.Address == value && a.Name == ""
}
