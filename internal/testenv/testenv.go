// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package testenv starts the control plane the envtest suites run against:
// etcd and kube-apiserver from KUBEBUILDER_ASSETS, with this operator's
// CRDs installed.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/internal/scheme"
)

// Env is a running control plane and a client for it.
type Env struct {
	*envtest.Environment
	Config *rest.Config
	Client client.Client
}

// Option changes the control plane before it starts.
type Option func(*envtest.Environment) error

// WithAuditLog makes the API server write every request it serves to
// path, one JSON event a line, at the Metadata level: who did what to
// which resource, never bodies.
func WithAuditLog(path string) Option {
	return func(env *envtest.Environment) error {
		policy := filepath.Join(filepath.Dir(path), "audit-policy.yaml")
		rules := "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n"
		if err := os.WriteFile(policy, []byte(rules), 0o600); err != nil {
			return fmt.Errorf("write audit policy: %w", err)
		}
		return WithAuditPolicy(policy, path)(env)
	}
}

// WithAuditPolicy makes the API server audit requests as the policy file
// says, to path.
func WithAuditPolicy(policy, path string) Option {
	return func(env *envtest.Environment) error {
		env.ControlPlane.GetAPIServer().Configure().
			Set("audit-policy-file", policy).
			Set("audit-log-path", path).
			Set("audit-log-mode", "blocking")
		return nil
	}
}

// WithRestartableState keeps etcd's data and the API server's certificates
// in dir, so that the control plane can be stopped and started again, at
// the same addresses and with the same credentials, without losing
// anything: how the fault suite takes the API server and etcd away.
func WithRestartableState(dir string) Option {
	return func(env *envtest.Environment) error {
		etcd, certs := filepath.Join(dir, "etcd"), filepath.Join(dir, "certs")
		for _, d := range []string{etcd, certs} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return fmt.Errorf("create %s: %w", d, err)
			}
		}
		env.ControlPlane.Etcd = &envtest.Etcd{DataDir: etcd}
		env.ControlPlane.GetAPIServer().CertDir = certs
		// Stop at once, as a crashed API server would, rather than drain
		// open watches first.
		env.ControlPlane.GetAPIServer().Configure().Set("shutdown-watch-termination-grace-period", "1s")
		// A graceful stop drains open watches; it may take longer than
		// envtest waits by default.
		env.ControlPlaneStopTimeout = 2 * time.Minute
		return nil
	}
}

// WithoutCRDs starts a bare control plane, for suites that install the
// CRDs the way a user does.
func WithoutCRDs() Option {
	return func(env *envtest.Environment) error {
		env.CRDDirectoryPaths = nil
		env.ErrorIfCRDPathMissing = false
		return nil
	}
}

// StopControlPlane stops the API server and etcd, keeping their state
// when the control plane was started WithRestartableState.
func (e *Env) StopControlPlane() error {
	if err := e.ControlPlane.APIServer.Stop(); err != nil {
		return fmt.Errorf("stop kube-apiserver: %w", err)
	}
	if err := e.ControlPlane.Etcd.Stop(); err != nil {
		return fmt.Errorf("stop etcd: %w", err)
	}
	return nil
}

// StartControlPlane starts what StopControlPlane stopped.
func (e *Env) StartControlPlane() error {
	if err := e.ControlPlane.Etcd.Start(); err != nil {
		return fmt.Errorf("start etcd: %w", err)
	}
	if err := e.ControlPlane.APIServer.Start(); err != nil {
		return fmt.Errorf("start kube-apiserver: %w", err)
	}
	return nil
}

// Start starts a control plane with the CRDs of config/crd/bases.
func Start(opts ...Option) (*Env, error) {
	_, file, _, _ := runtime.Caller(0)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(filepath.Dir(file), "..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	for _, o := range opts {
		if err := o(env); err != nil {
			return nil, err
		}
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest (run through 'make test' so KUBEBUILDER_ASSETS is set): %w", err)
	}
	s, err := scheme.New()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	return &Env{Environment: env, Config: cfg, Client: c}, nil
}
