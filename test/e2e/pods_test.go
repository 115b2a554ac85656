// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// pod is one replica of a Deployment, run as a container. There is no pod
// network here, so every container shares the host's: each listener the
// pod spec names is moved to a port of its own on loopback, which stands
// in for the pod's IP. Nothing else differs from the pod spec.
type pod struct {
	name string
	// ports maps the pod spec's container ports, by name, to the host
	// ports this replica listens on.
	ports map[string]int
	spec  corev1.Container
}

// bindFlag is an argument that names a listener's address.
var bindFlag = regexp.MustCompile(`^(--[a-z-]+-bind-address)=(.*):(\d+)$`)

// startPod runs replica i of d as its pod spec says and returns it.
func startPod(ctx context.Context, d *appsv1.Deployment, i int) *pod {
	spec := d.Spec.Template.Spec
	ExpectWithOffset(1, spec.Containers).To(HaveLen(1), "Deployment %s runs one container", d.Name)
	ExpectWithOffset(1, spec.Volumes).To(BeEmpty(), "Deployment %s mounts volumes the suite cannot provide", d.Name)
	c := spec.Containers[0]
	p := &pod{name: fmt.Sprintf("%s-%s-%d", runLabel, d.Name, i), ports: map[string]int{}, spec: c}

	args := []string{"run", "--detach", "--name", p.name, "--hostname", p.name, "--label", runLabel + "=true",
		"--network", "host", "--pull", "never"}
	args = append(args, securityArgs(spec.SecurityContext, c.SecurityContext)...)
	if limit, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		args = append(args, "--memory", strconv.FormatInt(limit.Value(), 10))
	}
	for _, e := range c.Env {
		args = append(args, "--env", e.Name+"="+envValue(e, p.name))
	}
	args = append(args, serviceAccountArgs(ctx, spec.ServiceAccountName, p.name)...)
	if len(c.Command) > 0 {
		args = append(args, "--entrypoint", c.Command[0])
	}
	args = append(args, image)
	args = append(args, c.Command[min(1, len(c.Command)):]...)
	args = append(args, p.listenOnLoopback(c.Args)...)
	run(ctx, podman[0], append(podman[1:], args...)...)
	return p
}

// securityArgs are the pod's and the container's security context as
// podman flags.
func securityArgs(podSC *corev1.PodSecurityContext, sc *corev1.SecurityContext) []string {
	ExpectWithOffset(2, sc).NotTo(BeNil(), "the container has a security context")
	// A read-only root has no writable /tmp in a pod either.
	args := []string{"--read-only=" + strconv.FormatBool(ptr.Deref(sc.ReadOnlyRootFilesystem, false)), "--read-only-tmpfs=false"}
	if sc.Capabilities != nil {
		for _, c := range sc.Capabilities.Drop {
			args = append(args, "--cap-drop", string(c))
		}
	}
	if !ptr.Deref(sc.AllowPrivilegeEscalation, true) {
		args = append(args, "--security-opt", "no-new-privileges")
	}
	// The kubelet refuses to start a runAsNonRoot container as root: the
	// image's own user, 65532, must be what it runs as.
	if podSC != nil && ptr.Deref(podSC.RunAsNonRoot, false) {
		user := "65532"
		if podSC.RunAsUser != nil {
			user = strconv.FormatInt(*podSC.RunAsUser, 10)
		}
		args = append(args, "--user", user)
	}
	return args
}

func envValue(e corev1.EnvVar, podName string) string {
	if e.ValueFrom == nil {
		return e.Value
	}
	ExpectWithOffset(3, e.ValueFrom.FieldRef).NotTo(BeNil(), "env %s comes from a field", e.Name)
	switch e.ValueFrom.FieldRef.FieldPath {
	case "metadata.namespace":
		return releaseNamespace
	case "metadata.name":
		return podName
	}
	Fail("env " + e.Name + " reads a field the suite does not provide: " + e.ValueFrom.FieldRef.FieldPath)
	return ""
}

// serviceAccountArgs mount what the kubelet mounts for a pod's
// ServiceAccount — a token the API server issues for it, the API server's
// CA and the namespace — and set the Service address client-go's
// in-cluster configuration reads.
func serviceAccountArgs(ctx context.Context, account, podName string) []string {
	token := requestToken(ctx, account)
	dir := filepath.Join(artifacts, "pods", podName, "serviceaccount")
	ExpectWithOffset(2, os.MkdirAll(dir, 0o755)).To(Succeed())
	for name, content := range map[string][]byte{
		"token":     []byte(token),
		"ca.crt":    env.Config.CAData,
		"namespace": []byte(releaseNamespace),
	} {
		// The kubelet's projected files are world-readable unless the pod
		// sets an fsGroup.
		ExpectWithOffset(2, os.WriteFile(filepath.Join(dir, name), content, 0o644)).To(Succeed())
	}
	host, port, err := net.SplitHostPort(strings.TrimPrefix(env.Config.Host, "https://"))
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	return []string{
		"--volume", dir + ":/var/run/secrets/kubernetes.io/serviceaccount:ro",
		"--env", "KUBERNETES_SERVICE_HOST=" + host, "--env", "KUBERNETES_SERVICE_PORT=" + port,
	}
}

// requestToken asks the API server for an hour's token of a ServiceAccount
// of the release's namespace, as the kubelet does for a pod.
func requestToken(ctx context.Context, account string) string {
	token, err := clientset.CoreV1().ServiceAccounts(releaseNamespace).CreateToken(ctx, account, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	ExpectWithOffset(2, err).NotTo(HaveOccurred(), "request a token for ServiceAccount %s", account)
	return token.Status.Token
}

// listenOnLoopback moves each listener the arguments name to a free port
// on loopback and records it under the name of the container port it was.
func (p *pod) listenOnLoopback(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		m := bindFlag.FindStringSubmatch(a)
		if m == nil {
			out = append(out, a)
			continue
		}
		port, err := strconv.Atoi(m[3])
		ExpectWithOffset(2, err).NotTo(HaveOccurred())
		free := freePort()
		p.ports[containerPortName(p.spec, port)] = free
		out = append(out, fmt.Sprintf("%s=127.0.0.1:%d", m[1], free))
	}
	return out
}

func containerPortName(c corev1.Container, port int) string {
	for _, cp := range c.Ports {
		if int(cp.ContainerPort) == port {
			return cp.Name
		}
	}
	Fail(fmt.Sprintf("container %s listens on %d, which it does not declare as a port", c.Name, port))
	return ""
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ExpectWithOffset(3, err).NotTo(HaveOccurred())
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// addr is the host address of the pod's named port.
func (p *pod) addr(port string) string {
	n, ok := p.ports[port]
	ExpectWithOffset(1, ok).To(BeTrue(), "pod %s has no port %s", p.name, port)
	return fmt.Sprintf("127.0.0.1:%d", n)
}

// probe asks the pod's probe endpoint what the kubelet would: the status
// code of the readiness or liveness probe's path, or an error.
func (p *pod) probe(ctx context.Context, probe *corev1.Probe) (int, error) {
	get := probe.HTTPGet
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr(get.Port.String())+get.Path, nil)
	if err != nil {
		return 0, err
	}
	client := http.Client{Timeout: time.Duration(max(probe.TimeoutSeconds, 1)) * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// ready is whether the readiness probe passes now.
func (p *pod) ready(ctx context.Context) bool {
	code, err := p.probe(ctx, p.spec.ReadinessProbe)
	return err == nil && code >= 200 && code < 400
}

// kill ends the container at once, as a node failure would.
func (p *pod) kill(ctx context.Context) {
	run(ctx, podman[0], append(podman[1:], "kill", "--signal", "KILL", p.name)...)
}

// stop stops the container as the kubelet stops a deleted pod: SIGTERM,
// then SIGKILL after the grace period.
func (p *pod) stop(ctx context.Context, grace int64) {
	run(ctx, podman[0], append(podman[1:], "stop", "--time", strconv.FormatInt(grace, 10), p.name)...)
}

// metricsClient reaches a pod's metrics endpoint, whose certificate is
// self-signed as the chart deploys it.
var metricsClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // the endpoint's own self-signed certificate
}

// removeContainers removes every container a run of the suite started.
func removeContainers(ctx context.Context) {
	names := containers(ctx)
	if len(names) == 0 {
		return
	}
	cmd := exec.CommandContext(ctx, podman[0], append(podman[1:], append([]string{"rm", "--force", "--time", "0"}, names...)...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		_, _ = fmt.Fprintf(GinkgoWriter, "e2e: removing containers: %v\n%s", err, out)
	}
}

// containers names every container a run of the suite started.
func containers(ctx context.Context) []string {
	out, err := exec.CommandContext(ctx, podman[0], append(podman[1:], "ps", "--all", "--format", "{{.Names}}", "--filter", "label="+runLabel)...).Output()
	if err != nil {
		_, _ = fmt.Fprintf(GinkgoWriter, "e2e: listing containers: %v\n", err)
		return nil
	}
	return strings.Fields(string(out))
}

// saveLogs writes each container's log into the artifacts.
func saveLogs(ctx context.Context) {
	for _, name := range containers(ctx) {
		logs, _ := exec.CommandContext(ctx, podman[0], append(podman[1:], "logs", name)...).CombinedOutput()
		_ = os.WriteFile(filepath.Join(artifacts, name+".log"), logs, 0o644)
	}
	_, _ = fmt.Fprintf(GinkgoWriter, "e2e: containers' logs are in %s\n", artifacts)
}
