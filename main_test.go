// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"testing"
	"time"
)

func TestDrainDelayOptionTakesZeroAtItsWord(t *testing.T) {
	for flag, want := range map[time.Duration]time.Duration{0: time.Nanosecond, -time.Second: time.Nanosecond, 10 * time.Second: 10 * time.Second} {
		if got := drainDelayOption(flag); got != want {
			t.Errorf("drainDelayOption(%s) = %s, want %s", flag, got, want)
		}
	}
}
