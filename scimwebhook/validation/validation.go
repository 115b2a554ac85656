// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package validation checks users and groups beyond what their schemas
// say, with errors that name the attribute and say what is accepted.
package validation

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/scimwebhook/schema"
)

func invalid(format string, args ...any) error {
	return &schema.ValueError{ScimType: schema.ScimTypeInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// User checks what a user needs to be stored and identified: a userName,
// sizes within bounds, at most one primary value of each attribute. The
// format of other values is not checked here: they are stored as sent,
// and the user controller reports what it cannot normalise.
func User(spec *v1alpha1.ScimUserSpec) error {
	if strings.TrimSpace(spec.UserName) == "" {
		return invalid("userName is required and must not be blank")
	}
	if err := userBounds(spec); err != nil {
		return err
	}
	if err := atMostOnePrimary("emails", len(spec.Emails), func(i int) bool { return spec.Emails[i].Primary }); err != nil {
		return err
	}
	if err := atMostOnePrimary("phoneNumbers", len(spec.PhoneNumbers), func(i int) bool { return spec.PhoneNumbers[i].Primary }); err != nil {
		return err
	}
	if err := atMostOnePrimary("addresses", len(spec.Addresses), func(i int) bool { return spec.Addresses[i].Primary }); err != nil {
		return err
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
