// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

//go:build e2e

// Package e2e tests what a platform team installs: the Helm chart rendered
// with a production install's values and applied, object by object, to a
// real API server, and the operator's image run with podman the way each
// Deployment's pod spec says — its arguments and environment, a read-only
// root, no capabilities, its memory limit, and its ServiceAccount's token
// mounted where client-go looks in a pod, so that the binary runs on
// in-cluster configuration and the chart's own RBAC. Run it with
// 'make test-e2e', which builds the image first.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/scim-operator/scim-operator/internal/manifest"
	"github.com/scim-operator/scim-operator/internal/testenv"
)

// releaseNamespace is where the chart is installed, as its README says.
const releaseNamespace = "scim-operator-system"

// runLabel marks every container a run starts, so that a run cleans up
// what an interrupted one left behind.
const runLabel = "scim-operator-e2e"

var (
	env        *testenv.Env
	clientset  *kubernetes.Clientset
	kubeconfig string
	// artifacts holds the containers' logs, their ServiceAccount mounts
	// and the rendered chart.
	artifacts string
	image     string
	podman    []string
	// rendered is every object the chart rendered.
	rendered []*unstructured.Unstructured
	// binDir holds the tools the suite builds from this tree.
	binDir string
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "scim-operator end-to-end suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	image = requireEnv("E2E_IMG")
	helm := requireEnv("HELM")
	podman = strings.Fields(requireEnv("CONTAINER_TOOL"))

	artifacts = os.Getenv("E2E_ARTIFACTS")
	if artifacts == "" {
		dir, err := os.MkdirTemp("", "scim-operator-e2e-")
		Expect(err).NotTo(HaveOccurred())
		artifacts = dir
	}
	Expect(os.MkdirAll(artifacts, 0o755)).To(Succeed())
	binDir = filepath.Join(artifacts, "bin")
	_, _ = fmt.Fprintf(GinkgoWriter, "e2e: containers' logs and the rendered chart are kept in %s\n", artifacts)
	AddReportEntry("artifacts", artifacts)

	By("removing the containers an interrupted run left")
	removeContainers(ctx)

	By("starting kube-apiserver and etcd, without the operator's CRDs")
	var err error
	env, err = testenv.Start(testenv.WithoutCRDs())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })
	// Cleanups run last first: the containers go before the control
	// plane they hold watches on.
	DeferCleanup(func(ctx SpecContext) {
		saveLogs(ctx)
		removeContainers(ctx)
	}, NodeTimeout(2*time.Minute))
	clientset, err = kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	admin, err := env.ControlPlane.AddUser(envtest.User{Name: "platform-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	b, err := admin.KubeConfig()
	Expect(err).NotTo(HaveOccurred())
	kubeconfig = filepath.Join(artifacts, "kubeconfig")
	Expect(os.WriteFile(kubeconfig, b, 0o600)).To(Succeed())

	By("building scim-check from this tree")
	run(ctx, "go", "build", "-o", filepath.Join(binDir, "scim-check"), "../../cmd/scim-check")

	By("rendering the chart with a production install's values")
	repo, tag := manifest.SplitImage(image)
	manifests := run(ctx, helm, "template", "scim-operator", "../../dist/chart", "--namespace", releaseNamespace,
		"-f", "testdata/production.yaml", "--set", "image.repository="+repo, "--set", "image.tag="+tag)
	Expect(os.WriteFile(filepath.Join(artifacts, "chart.yaml"), manifests, 0o644)).To(Succeed())
	rendered, err = manifest.Decode(manifests)
	Expect(err).NotTo(HaveOccurred())

	By("applying every object the chart renders")
	_, err = clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: releaseNamespace}}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(testenv.InstallForeignKinds(ctx, env.Config)).To(Succeed())
	kubectlIn(ctx, manifests, "apply", "--server-side", "--field-manager=helm", "-f", "-")
}, NodeTimeout(10*time.Minute))

func requireEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		Fail(name + " is not set: run the suite with 'make test-e2e'")
	}
	return v
}

// run runs a command and returns its standard output; it fails the spec
// with the command's standard error if it fails.
func run(ctx context.Context, name string, args ...string) []byte {
	return runIn(ctx, nil, name, args...)
}

func runIn(ctx context.Context, stdin []byte, name string, args ...string) []byte {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	ExpectWithOffset(2, err).NotTo(HaveOccurred(), "%s %s\n%s%s", name, strings.Join(args, " "), out, stderr.String())
	return out
}

// kubectl runs kubectl as the platform admin.
func kubectl(ctx context.Context, args ...string) []byte {
	return runIn(ctx, nil, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

func kubectlIn(ctx context.Context, stdin []byte, args ...string) []byte {
	return runIn(ctx, stdin, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
}

// deployment is the Deployment the chart renders with the component label.
func deployment(component string) *appsv1.Deployment {
	for _, o := range rendered {
		if o.GetKind() != "Deployment" || o.GetLabels()["app.kubernetes.io/component"] != component {
			continue
		}
		d := &appsv1.Deployment{}
		ExpectWithOffset(1, runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d)).To(Succeed())
		return d
	}
	Fail("the chart renders no Deployment of component " + component)
	return nil
}
