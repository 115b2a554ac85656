// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package schema

// Attribute describes one attribute of a schema (RFC 7643 section 7). The
// same definitions are served at /Schemas and drive how the server treats
// the attribute.
type Attribute struct {
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	MultiValued     bool        `json:"multiValued"`
	Description     string      `json:"description"`
	Required        bool        `json:"required"`
	CanonicalValues []string    `json:"canonicalValues,omitempty"`
	CaseExact       bool        `json:"caseExact"`
	Mutability      string      `json:"mutability"`
	Returned        string      `json:"returned"`
	Uniqueness      string      `json:"uniqueness"`
	ReferenceTypes  []string    `json:"referenceTypes,omitempty"`
	SubAttributes   []Attribute `json:"subAttributes,omitempty"`
}

// Attribute data types (RFC 7643 section 2.3).
const (
	TypeString    = "string"
	TypeBoolean   = "boolean"
	TypeDateTime  = "dateTime"
	TypeReference = "reference"
	TypeComplex   = "complex"
	TypeBinary    = "binary"
	TypeInteger   = "integer"
	TypeDecimal   = "decimal"
)

// Mutability, returned and uniqueness values (RFC 7643 section 7).
const (
	MutabilityReadOnly  = "readOnly"
	MutabilityReadWrite = "readWrite"
	MutabilityImmutable = "immutable"

	ReturnedAlways  = "always"
	ReturnedDefault = "default"

	UniquenessNone   = "none"
	UniquenessServer = "server"
)

// attr is a single-valued, optional, read-write, case-insensitive attribute
// of type t: the most common shape, which the option functions adjust.
func attr(name, t, description string, opts ...func(*Attribute)) Attribute {
	a := Attribute{
		Name:        name,
		Type:        t,
		Description: description,
		Mutability:  MutabilityReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniquenessNone,
	}
	for _, o := range opts {
		o(&a)
	}
	return a
}

func str(name, description string, opts ...func(*Attribute)) Attribute {
	return attr(name, TypeString, description, opts...)
}

func boolean(name, description string) Attribute {
	return attr(name, TypeBoolean, description)
}

func complexAttr(name, description string, sub []Attribute, opts ...func(*Attribute)) Attribute {
	a := attr(name, TypeComplex, description, opts...)
	a.SubAttributes = sub
	return a
}

func multi(a *Attribute)          { a.MultiValued = true }
func caseExact(a *Attribute)      { a.CaseExact = true }
func returnedAlways(a *Attribute) { a.Returned = ReturnedAlways }
func required(a *Attribute)       { a.Required = true }
func readOnly(a *Attribute)       { a.Mutability = MutabilityReadOnly }
func immutable(a *Attribute)      { a.Mutability = MutabilityImmutable }
func serverUnique(a *Attribute)   { a.Uniqueness = UniquenessServer }

func canonical(values ...string) func(*Attribute) {
	return func(a *Attribute) { a.CanonicalValues = values }
}

func references(types ...string) func(*Attribute) {
	return func(a *Attribute) { a.ReferenceTypes = types }
}

// multiValued is the shape RFC 7643 section 2.4 gives every multi-valued
// attribute: value, display, type and primary, with the canonical types
// given.
func multiValued(name, description, valueDescription string, types []string) Attribute {
	return complexAttr(name, description, []Attribute{
		str("value", valueDescription),
		str("display", "A human-readable name, primarily used for display purposes."),
		str("type", "A label indicating the attribute's function.", canonical(types...)),
		boolean("primary", "Indicates the 'primary' or preferred attribute value; at most one value may be primary."),
	}, multi)
}
