// Package validation checks users and groups beyond what their schemas
// say, with errors that name the attribute and say what is accepted.
package validation

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

func invalid(format string, args ...any) error {
	return &schema.ValueError{ScimType: schema.ScimTypeInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// User checks the attributes of a user.
func User(spec *v1alpha1.ScimUserSpec) error {
	if strings.TrimSpace(spec.UserName) == "" {
		return invalid("userName is required and must not be blank")
	}
	if err := userBounds(spec); err != nil {
		return err
	}
	for _, e := range spec.Emails {
		if e.Value != "" && !strings.Contains(e.Value, "@") {
			return invalid("emails: %q is not an email address", e.Value)
		}
	}
	if err := atMostOnePrimary("emails", len(spec.Emails), func(i int) bool { return spec.Emails[i].Primary }); err != nil {
		return err
	}
	for _, p := range spec.PhoneNumbers {
		if p.Value != "" && !IsPhoneNumber(p.Value) {
			return invalid("phoneNumbers: %q is not a phone number in E.164 form (+ and country code, e.g. +358401234567) or RFC 3966 form (tel:+358-40-1234567)", p.Value)
		}
	}
	if err := atMostOnePrimary("phoneNumbers", len(spec.PhoneNumbers), func(i int) bool { return spec.PhoneNumbers[i].Primary }); err != nil {
		return err
	}
	if err := atMostOnePrimary("addresses", len(spec.Addresses), func(i int) bool { return spec.Addresses[i].Primary }); err != nil {
		return err
	}
	if spec.PreferredLanguage != "" && !IsLanguage(spec.PreferredLanguage) {
		return invalid("preferredLanguage: %q is not an ISO 639-1 language code, optionally with a region (e.g. \"fi\" or \"en-US\")", spec.PreferredLanguage)
	}
	if h := spec.Hoxhunt; h != nil && h.EmploymentStart != "" {
		if _, err := time.Parse(time.DateOnly, h.EmploymentStart); err != nil {
			return invalid("%s:employmentStart: %q is not a date in YYYY-MM-DD form", schema.HoxhuntUserURN, h.EmploymentStart)
		}
	}
	return nil
}

// Group checks the attributes of a group.
func Group(spec *v1alpha1.ScimGroupSpec) error {
	if strings.TrimSpace(spec.DisplayName) == "" {
		return invalid("displayName is required and must not be blank")
	}
	if n := len(spec.DisplayName); n > v1alpha1.MaxGroupDisplayNameLength {
		return invalid("displayName has %d characters; at most %d are stored", n, v1alpha1.MaxGroupDisplayNameLength)
	}
	return specSize("group", spec)
}

func atMostOnePrimary(attr string, n int, primary func(int) bool) error {
	count := 0
	for i := range n {
		if primary(i) {
			count++
		}
	}
	if count > 1 {
		return invalid("%s: %d values are marked primary; at most one may be", attr, count)
	}
	return nil
}

var (
	e164          = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	visualSep     = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "")
	languageRange = regexp.MustCompile(`^([a-zA-Z]{2})(?:[-_]([a-zA-Z]{2}|[0-9]{3}))?$`)
)

// IsPhoneNumber accepts E.164 numbers and RFC 3966 global numbers
// ("tel:+1-201-555-0123;ext=1"), with visual separators.
func IsPhoneNumber(s string) bool {
	n := s
	if len(n) > 4 && strings.EqualFold(n[:4], "tel:") {
		n = n[4:]
		if i := strings.IndexByte(n, ';'); i >= 0 {
			n = n[:i]
		}
	}
	return e164.MatchString(visualSep.Replace(n))
}

// IsLanguage accepts an ISO 639-1 code, optionally with a region subtag
// (ISO 3166-1 alpha-2 or UN M.49), as RFC 7643 section 4.1.2 describes
// preferredLanguage; "_" is accepted for "-", as some directories write it.
func IsLanguage(s string) bool {
	m := languageRange.FindStringSubmatch(s)
	return m != nil && iso6391[strings.ToLower(m[1])]
}

var iso6391 = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo " +
		"lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps " +
		"pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn " +
		"to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// userBounds checks what the server claims before it writes (userName and
// emails) and the user's size, so that nothing is written for a user that
// cannot be stored.
func userBounds(spec *v1alpha1.ScimUserSpec) error {
	if n := len(spec.UserName); n > v1alpha1.MaxUserNameLength {
		return invalid("userName has %d characters; at most %d are stored", n, v1alpha1.MaxUserNameLength)
	}
	if n := len(spec.Emails); n > v1alpha1.MaxEmails {
		return invalid("emails has %d values; at most %d are stored", n, v1alpha1.MaxEmails)
	}
	for _, e := range spec.Emails {
		if n := len(e.Value); n > v1alpha1.MaxValueLength {
			return invalid("emails: a value has %d characters; at most %d are stored", n, v1alpha1.MaxValueLength)
		}
	}
	return specSize("user", spec)
}

func specSize(noun string, spec any) error {
	data, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("measure %s: %w", noun, err)
	}
	if n := len(data); n > v1alpha1.MaxSpecBytes {
		return invalid("the %s takes %d bytes; at most %d are stored: send fewer or shorter values", noun, n, v1alpha1.MaxSpecBytes)
	}
	return nil
}
