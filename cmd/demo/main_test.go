// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run the demo itself, so that the test
// can signal it as a supervisor would.
const runMainEnv = "SCIM_DEMO_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSignalsToItsProcessGroupAlwaysStopTheControlPlane(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run through 'make test'")
	}
	pid, children := startDemo(t)
	// A supervisor stops a process group with SIGTERM and repeats it when
	// the group is slow to go; the control plane takes longer than this
	// to stop, so the later signals arrive while it does.
	for range 3 {
		if err := syscall.Kill(-pid, syscall.SIGTERM); err != nil && err != syscall.ESRCH {
			t.Fatalf("signal demo: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, child := range children {
		for alive(child) {
			if time.Now().After(deadline) {
				t.Fatalf("control plane process %d still runs after the demo was stopped", child)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// startDemo runs the demo in a process group of its own until it prints
// its token, and returns its pid and those of its children (etcd and
// kube-apiserver).
func startDemo(t *testing.T) (pid int, children []int) {
	t.Helper()
	root := filepath.Join("..", "..")
	cmd := exec.Command(os.Args[0],
		"-crd-dir", filepath.Join(root, "config", "crd", "bases"),
		"-tenant", filepath.Join(root, "config", "samples", "scim_v1alpha1_scimtenant.yaml"))
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "DEMO_ADDR="+freeAddr(t))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start demo: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if err := <-done; err != nil {
			t.Logf("demo exited: %v", err)
		}
	})
	printed := make(chan bool, 1)
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "SCIM_TOKEN=") {
				printed <- true
				break
			}
		}
		for lines.Scan() { //nolint:revive // drain what the demo prints until it exits
		}
	}()
	select {
	case <-printed:
	case err := <-done:
		t.Fatalf("demo exited before serving: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("demo did not serve within 3 minutes")
	}
	children = childrenOf(t, cmd.Process.Pid)
	t.Cleanup(func() {
		// A demo that failed to stop its control plane leaves it to us.
		for _, child := range children {
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
	})
	if len(children) < 2 {
		t.Fatalf("demo runs %d child processes, want etcd and kube-apiserver", len(children))
	}
	return cmd.Process.Pid, children
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("list processes: %v", err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so read after
		// its closing parenthesis.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether a process runs (a zombie does not).
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}
