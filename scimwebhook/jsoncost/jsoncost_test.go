// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package jsoncost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// shapeOf counts what a decoder meets in a JSON document: the oracle
// Measure must agree with.
func shapeOf(data []byte) (Shape, error) {
	var s Shape
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		switch tok {
		case json.Delim('{'):
			s.Objects++
		case json.Delim('['):
			s.Arrays++
		case json.Delim('}'), json.Delim(']'):
		default:
			s.Scalars++
		}
	}
}

var documents = []string{
	`{}`, `[]`, `1`, `-0.5e+10`, `"a"`, `true`, `null`,
	`{"a":1,"b":[true,false,null],"c":{"d":"e\"f\\"}}`,
	`{"userName":"bjensen","emails":[{"value":"b@example.com","primary":true}]}`,
	` [ 1 , -2 , 3.5e-3 , "x" , { "k" : [ ] } ] `,
	`{"s":"a,b:[c]{d}\u00e9 \\\"","n":-12}`,
	`[[[[[[]]]]]]`,
}

func TestMeasureCountsWhatADecoderMeets(t *testing.T) {
	for _, doc := range documents {
		want, err := shapeOf([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got := Measure([]byte(doc)); got != want {
			t.Errorf("%s: Measure = %+v, a decoder meets %+v", doc, got, want)
		}
	}
}

func FuzzMeasure(f *testing.F) {
	for _, doc := range documents {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Measure(data)
		if !json.Valid(data) {
			return
		}
		want, err := shapeOf(data)
		if err != nil {
			t.Fatalf("valid JSON %q: %v", data, err)
		}
		if got != want {
			t.Fatalf("%q: Measure = %+v, a decoder meets %+v", data, got, want)
		}
	})
}

// repeated is a document of about size bytes: an object holding an array
// of elem repeated.
func repeated(elem string, size int) []byte {
	n := size / (len(elem) + 1)
	return []byte(`{"a":[` + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + `]}`)
}

func TestDecodeBytesBoundsAllocation(t *testing.T) {
	const size = 1 << 20
	var keys strings.Builder
	keys.WriteString("{")
	for i := 0; keys.Len() < size; i++ {
		if i > 0 {
			keys.WriteString(",")
		}
		fmt.Fprintf(&keys, `"k%d":1`, i)
	}
	keys.WriteString("}")
	for name, doc := range map[string][]byte{
		"numbers":       repeated("1", size),
		"literals":      repeated("true", size),
		"empty strings": repeated(`""`, size),
		"empty objects": repeated("{}", size),
		"empty arrays":  repeated("[]", size),
		"nested arrays": repeated("[[]]", size),
		"small objects": repeated(`{"a":1}`, size),
		"group members": repeated(`{"value":"0f8fad5b-d9cb-469f-a165-70867728950e"}`, size),
		"many keys":     []byte(keys.String()),
		"escapes":       []byte(`{"a":"` + strings.Repeat(`\u00e9`, size/6) + `"}`),
		"one string":    []byte(`{"a":"` + strings.Repeat("x", size) + `"}`),
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(v)
		allocated := int64(after.TotalAlloc - before.TotalAlloc)
		bound := Measure(doc).DecodeBytes(len(doc))
		t.Logf("%-14s %8d bytes: allocated %9d (%4.1f×), bound %9d (%4.1f×)", name, len(doc),
			allocated, float64(allocated)/float64(len(doc)), bound, float64(bound)/float64(len(doc)))
		if allocated > bound {
			t.Errorf("%s: decoding allocated %d bytes, more than the bound %d", name, allocated, bound)
		}
	}
}
