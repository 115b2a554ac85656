// Package testenv starts the control plane the envtest suites run against:
// etcd and kube-apiserver from KUBEBUILDER_ASSETS, with this operator's
// CRDs installed.
package testenv

import (
	"fmt"
	"path/filepath"
	"runtime"

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

// Start starts a control plane with the CRDs of config/crd/bases.
func Start() (*Env, error) {
	_, file, _, _ := runtime.Caller(0)
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(filepath.Dir(file), "..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
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
