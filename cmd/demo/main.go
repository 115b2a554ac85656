// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Command demo runs the operator for real on an embedded control plane:
// etcd and kube-apiserver on loopback, the CRDs installed, the manager and
// its SCIM server in-process, and a sample tenant with a generated token.
// It prints KUBECONFIG, SCIM_URL and SCIM_TOKEN, one per line, once the
// endpoint answers, and serves until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/operator"
	"github.com/scim-operator/scim-operator/internal/scheme"
	"github.com/scim-operator/scim-operator/scimwebhook"
)

const (
	defaultAddr = "127.0.0.1:8080"
	demoNS      = "default"
	// operatorNS is the operator's own namespace, as the install's.
	operatorNS   = "scim-operator-system"
	readyTimeout = 2 * time.Minute
)

func main() {
	crdDir := flag.String("crd-dir", filepath.Join("config", "crd", "bases"), "Directory of the CRD manifests to install.")
	sample := flag.String("tenant", filepath.Join("config", "samples", "scim_v1alpha1_scimtenant.yaml"), "ScimTenant manifest to apply.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	addr := os.Getenv("DEMO_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	// The first SIGINT or SIGTERM stops the demo; later ones are taken
	// and ignored until the control plane is down. envtest starts etcd and
	// kube-apiserver in process groups of their own, so a signal to the
	// demo's group never reaches them: exiting at a second signal, as
	// controller-runtime's handler does, would leave them running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, addr, *crdDir, *sample)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, crdDir, sample string) (err error) {
	env := &envtest.Environment{CRDDirectoryPaths: []string{crdDir}, ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("start control plane (is KUBEBUILDER_ASSETS set? 'make demo' sets it): %w", err)
	}
	defer func() {
		if stopErr := env.Stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("stop control plane: %w", stopErr)
		}
	}()

	dir, err := os.MkdirTemp("", "scim-operator-demo-")
	if err != nil {
		return fmt.Errorf("create demo directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	kubeconfig, err := writeKubeconfig(env, dir)
	if err != nil {
		return err
	}

	sch, err := scheme.New()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: sch})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNS}}); err != nil {
		return fmt.Errorf("create the operator's namespace: %w", err)
	}

	auditLog := filepath.Join(dir, "audit.log")
	trail, err := audit.OpenFile(auditLog)
	if err != nil {
		return err //nolint:wrapcheck // the error names the file
	}
	defer func() { _ = trail.Close() }()

	mgrCtx, stopManager := context.WithCancel(ctx)
	defer stopManager()
	mgr, _, err := operator.New(mgrCtx, cfg, operator.Options{
		MetricsAddr: "0",
		ProbeAddr:   "0",
		Namespace:   operatorNS,
		// The trail goes to a file, so that the demo's output stays the
		// lines to paste.
		Audit: trail,
		// Nothing routes to the demo but the person at its keyboard:
		// Ctrl-C stops it without draining.
		SCIM: scimwebhook.Options{Addr: addr, BaseURL: "http://" + addr, DrainDelay: time.Nanosecond},
	})
	if err != nil {
		return err
	}
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(mgrCtx) }()

	tenant, err := applyTenant(ctx, c, sample)
	if err != nil {
		return err
	}
	endpoint, token, err := waitServing(ctx, c, tenant)
	if err != nil {
		return err
	}
	fmt.Printf("KUBECONFIG=%s\nSCIM_URL=%s\nSCIM_TOKEN=%s\nAUDIT_LOG=%s\n", kubeconfig, endpoint, token, auditLog)

	select {
	case <-ctx.Done():
	case err := <-mgrDone:
		return fmt.Errorf("manager stopped: %w", err)
	}
	fmt.Fprintln(os.Stderr, "demo: shutting down")
	stopManager()
	return <-mgrDone
}

// writeKubeconfig gives the demo's user an admin kubeconfig for kubectl.
func writeKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("create demo user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("render kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

func applyTenant(ctx context.Context, c client.Client, path string) (*v1alpha1.ScimTenant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tenant manifest: %w", err)
	}
	tenant := &v1alpha1.ScimTenant{}
	if err := yaml.UnmarshalStrict(data, tenant); err != nil {
		return nil, fmt.Errorf("decode tenant manifest %s: %w", path, err)
	}
	tenant.Namespace = demoNS
	if err := c.Create(ctx, tenant); err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	return tenant, nil
}

// waitServing waits until the tenant is Ready and its endpoint answers
// with the tenant's token, and returns both.
func waitServing(ctx context.Context, c client.Client, tenant *v1alpha1.ScimTenant) (endpoint, token string, err error) {
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, readyTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(tenant), tenant); err != nil {
			return false, fmt.Errorf("get tenant: %w", err)
		}
		if !meta.IsStatusConditionTrue(tenant.Status.Conditions, v1alpha1.ConditionReady) {
			return false, nil
		}
		secret := &corev1.Secret{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: tenant.Namespace, Name: tenant.Spec.TokenSecretRef.Name}, secret); err != nil {
			return false, fmt.Errorf("get token secret: %w", err)
		}
		endpoint, token = tenant.Status.Endpoint, string(secret.Data[tenant.TokenKey()])
		return answers(ctx, endpoint, token), nil
	})
	if err != nil {
		return "", "", fmt.Errorf("wait for tenant %s to serve: %w", tenant.Name, err)
	}
	return endpoint, token, nil
}

func answers(ctx context.Context, endpoint, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/ServiceProviderConfig", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
