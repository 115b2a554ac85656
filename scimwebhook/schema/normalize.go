// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ValueError is input that does not fit the schema. ScimType is the SCIM
// error type it deserves (RFC 7644 section 3.12).
type ValueError struct {
	ScimType ScimType
	Detail   string
}

func (e *ValueError) Error() string { return e.Detail }

func invalidValue(format string, args ...any) *ValueError {
	return &ValueError{ScimType: ScimTypeInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// Normalize turns a resource as a client sent it into its canonical form:
// attribute names spelled as the schema spells them (clients may use any
// case), extension attributes nested under their canonical URN, booleans
// sent as the strings "True"/"False" (as Entra does) made booleans, and
// read-only attributes (id, meta, groups) dropped as RFC 7643 section 2.2
// says. Attributes the schema does not define are an error, except under
// schema URNs the server does not know, which clients add freely.
func (r *Resource) Normalize(in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(in)) {
		v := in[key]
		if strings.EqualFold(key, "schemas") || r.IsDiscarded(key) {
			continue
		}
		if ext, ok := r.Extension(key); ok {
			m, ok := v.(map[string]any)
			if !ok {
				if v == nil {
					continue
				}
				return nil, invalidValue("%q must be an object of extension attributes", key)
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if err := r.set(out, ext.ID, k, m[k]); err != nil {
					return nil, err
				}
			}
			continue
		}
		if strings.HasPrefix(strings.ToLower(key), "urn:") && !strings.EqualFold(key, r.Core.ID) {
			if _, ok := v.(map[string]any); ok {
				// Dropping it would answer 2xx and lose what was sent.
				return nil, &ValueError{ScimType: ScimTypeInvalidSyntax,
					Detail: fmt.Sprintf("unknown schema extension %q for a %s%s", key, r.Name, r.hint())}
			}
		}
		urn, name := SplitURN(key)
		if err := r.set(out, urn, name, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SplitURN splits "urn:…:attr" into the URN and the attribute name; a key
// without a URN is returned as the name.
func SplitURN(key string) (urn, name string) {
	if !strings.HasPrefix(strings.ToLower(key), "urn:") {
		return "", key
	}
	i := strings.LastIndexByte(key, ':')
	return key[:i], key[i+1:]
}

// set stores the normalized value of attribute urn:name in doc, in its
// container.
func (r *Resource) set(doc map[string]any, urn, name string, v any) error {
	a, container, ok := r.Attribute(urn, name)
	if !ok {
		if urn != "" {
			name = urn + ":" + name
		}
		return &ValueError{ScimType: ScimTypeInvalidSyntax, Detail: fmt.Sprintf("unknown attribute %q for a %s%s", name, r.Name, r.hint())}
	}
	if a.IsReadOnly() {
		return nil
	}
	nv, err := a.NormalizeValue(v)
	if err != nil {
		return err
	}
	if nv == nil && container != "" {
		if ext, ok := doc[container].(map[string]any); ok {
			delete(ext, a.Name)
		}
		return nil
	}
	target := doc
	if container != "" {
		ext, ok := doc[container].(map[string]any)
		if !ok {
			ext = map[string]any{}
			doc[container] = ext
		}
		target = ext
	}
	if nv == nil {
		delete(target, a.Name)
		return nil
	}
	target[a.Name] = nv
	return nil
}

// NormalizeValue checks v against the attribute's type and returns it in
// canonical form; nil means unassigned (RFC 7644 section 3.5.2: null
// clears an attribute).
func (a *Attribute) NormalizeValue(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.MultiValued {
		list, ok := v.([]any)
		if !ok {
			// A single value where a list belongs is taken as a list of one.
			list = []any{v}
		}
		out := make([]any, 0, len(list))
		for _, el := range list {
			nv, err := a.normalizeSingle(el)
			if err != nil {
				return nil, err
			}
			if nv != nil {
				out = append(out, nv)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	return a.normalizeSingle(v)
}

func (a *Attribute) normalizeSingle(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch a.Type {
	case TypeComplex:
		m, ok := v.(map[string]any)
		if _, hasValue := a.Sub("value"); !ok && hasValue {
			// A bare value stands for {"value": …}: Entra sends a manager
			// as the manager's id alone.
			m, ok = map[string]any{"value": v}, true
		}
		if !ok {
			return nil, invalidValue("%q must be an object with the sub-attributes %s", a.Name, a.subNames())
		}
		out := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			sub, ok := a.Sub(k)
			if !ok {
				return nil, &ValueError{ScimType: ScimTypeInvalidSyntax, Detail: fmt.Sprintf("unknown attribute %q in %q; it has %s", k, a.Name, a.subNames())}
			}
			if sub.IsReadOnly() && !a.IsReadOnly() {
				continue
			}
			nv, err := sub.normalizeSingle(m[k])
			if err != nil {
				return nil, err
			}
			if nv != nil {
				out[sub.Name] = nv
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case TypeInteger, TypeDecimal:
		return a.normalizeNumber(v)
	case TypeBoolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			switch strings.ToLower(b) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		return nil, invalidValue("%q must be a boolean (true or false), not %s", a.Name, describe(v))
	default:
		s, ok := v.(string)
		if !ok {
			return nil, invalidValue("%q must be a string, not %s", a.Name, describe(v))
		}
		if s == "" {
			// Templates send "" for fields the directory leaves empty; it
			// means unassigned, as null does.
			return nil, nil
		}
		return s, nil
	}
}

// normalizeNumber takes a JSON number, or a string holding one as some
// identity providers send every value.
func (a *Attribute) normalizeNumber(v any) (any, error) {
	n, ok := v.(float64)
	if s, isString := v.(string); isString {
		if s == "" {
			return nil, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		n, ok = f, err == nil
	}
	if !ok || (a.Type == TypeInteger && n != math.Trunc(n)) {
		return nil, invalidValue("%q must be %s number, not %s", a.Name, map[bool]string{true: "a whole", false: "a"}[a.Type == TypeInteger], describe(v))
	}
	return n, nil
}

func (a *Attribute) subNames() string {
	names := make([]string, 0, len(a.SubAttributes))
	for _, s := range a.SubAttributes {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case float64:
		return fmt.Sprintf("the number %g", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%v", v)
}
