// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

var _ = Describe("kubectl scim, by kubectl's conventions", func() {
	var north, south testTenant
	var ann, bob string
	BeforeEach(func() {
		north, south = newTenant("north"), newTenant("south")
		ann = north.createUser(`{"userName":"ann@example.com"}`)
		bob = south.createUser(`{"userName":"bob@example.com","preferredLanguage":"Klingon"}`)
		tenant := &v1alpha1.ScimTenant{}
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: north.namespace, Name: "north"}, tenant)).To(Succeed())
		patch := client.MergeFrom(tenant.DeepCopy())
		tenant.Labels = map[string]string{"team": north.namespace}
		Expect(k8sClient.Patch(ctx, tenant, patch)).To(Succeed())
		Eventually(func() string {
			return kubectlScim("tenants", "-n", north.namespace, "-o", "jsonpath={.items[*].ready}").succeeded()
		}).Should(Equal("True"))
	})

	It("prints names, JSONPath and custom columns, with or without headers", func() {
		Expect(kubectlScim("tenants", "-n", north.namespace, "-o", "name").succeeded()).To(Equal("scimtenant.scim.provisioning.io/north\n"))
		Expect(kubectlScim("users", "-n", north.namespace, "-o", "name").succeeded()).To(Equal("scimuser.scim.provisioning.io/" + ann + "\n"))
		Expect(kubectlScim("users", "-n", north.namespace, "-o", "jsonpath={.items[0].userName}").succeeded()).To(Equal("ann@example.com"))
		Expect(kubectlScim("users", "-n", north.namespace, "-o", "jsonpath=.items[*].id").succeeded()).To(Equal(ann), "a bare path, as kubectl takes it")
		out := kubectlScim("tenants", "-n", north.namespace, "-o", "custom-columns=TENANT:.name,READY:.ready,MAX:.limits.maxUsers").succeeded()
		Expect(out).To(MatchRegexp(`^TENANT\s+READY\s+MAX\nnorth\s+True\s+<none>\n$`))
		out = kubectlScim("tenants", "-n", north.namespace, "-o", "custom-columns=TENANT:.name", "--no-headers").succeeded()
		Expect(out).To(Equal("north\n"))
		Expect(kubectlScim("tenants", "-n", north.namespace, "--no-headers").succeeded()).To(HavePrefix(north.namespace))
		Expect(kubectlScim("show", "user", ann, "-n", north.namespace, "-o", "jsonpath={.userName}").succeeded()).To(Equal("ann@example.com"))

		By("refusing what kubectl would refuse")
		Expect(kubectlScim("tenants", "-o", "custom-columns=NAME").err).To(MatchError(ContainSubstring("is not HEADER:JSONPATH")))
		Expect(kubectlScim("tenants", "-o", "jsonpath={.items[").err).To(MatchError(ContainSubstring("parse JSONPath template")))
		Expect(kubectlScim("events", "-n", north.namespace, "-o", "name").err).To(MatchError(ContainSubstring("lists no objects")))
	})

	It("selects by label with -l and lists every namespace with -A", func() {
		out := kubectlScim("tenants", "-A", "-l", "team="+north.namespace, "-o", "name").succeeded()
		Expect(out).To(Equal("scimtenant.scim.provisioning.io/north\n"))

		out = kubectlScim("users", "-A").succeeded()
		Expect(out).To(MatchRegexp(`(?m)^NAMESPACE\s+TENANT\s+ID\s+USERNAME`))
		Expect(out).To(MatchRegexp(`(?m)^` + north.namespace + `\s+north\s+` + ann + `\s+ann@example.com`))
		Expect(out).To(MatchRegexp(`(?m)^` + south.namespace + `\s+south\s+` + bob + `\s+bob@example.com`))
		Eventually(func() string {
			return kubectlScim("users", "-A", "-l", v1alpha1.LabelAttributesInvalid+"=true", "-o", "jsonpath={.items[*].id}").succeeded()
		}).Should(And(ContainSubstring(bob), Not(ContainSubstring(ann))), "-l selects as --invalid does")
		Eventually(func() string { return kubectlScim("events", "-A").succeeded() }).Should(And(
			ContainSubstring(north.namespace), ContainSubstring(south.namespace)))
	})

	It("completes namespaces, tenants and userNames, as kubectl asks its plugins through kubectl_complete-scim", func() {
		// The word being completed is the last; the kubeconfig goes before.
		complete := func(args ...string) string {
			return kubectlScim(append([]string{"__complete", args[0], "--kubeconfig", kubeconfig}, args[1:]...)...).succeeded()
		}
		Expect(complete("users", "-n", "plugin-")).To(And(ContainSubstring(north.namespace+"\n"), ContainSubstring(south.namespace+"\n")))
		Expect(complete("users", "-n", north.namespace, "-t", "")).To(HavePrefix("north\n"))
		Expect(complete("show", "")).To(HavePrefix("user\n"))
		Expect(complete("show", "-n", north.namespace, "user", "")).To(HavePrefix("ann@example.com\n"))
		Expect(complete("purge", "-n", north.namespace, "user", "AN")).To(HavePrefix("ann@example.com\n"), "case-insensitively")
		Expect(complete("history", "-n", north.namespace, "user", "zz")).NotTo(ContainSubstring("@"))

		By("running the helper kubectl runs, with the plugin on the PATH")
		bin := GinkgoT().TempDir()
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "kubectl-scim"), ".")
		build.Stderr = GinkgoWriter
		Expect(build.Run()).To(Succeed())
		helper, err := filepath.Abs("kubectl_complete-scim")
		Expect(err).NotTo(HaveOccurred())
		out := runHelper(ctx, helper, bin, "show", "--kubeconfig", kubeconfig, "-n", north.namespace, "user", "")
		Expect(out).To(HavePrefix("ann@example.com\n"))
		Expect(out).To(ContainSubstring(":4"), "cobra's directive: no file completion")
	})

	It("shows its usage as kubectl scim", func() {
		out := kubectlScim("users", "--help").succeeded()
		Expect(out).To(ContainSubstring("kubectl scim users [flags]"))
		Expect(out).To(ContainSubstring("-A, --all-namespaces"))
		Expect(out).To(ContainSubstring("-l, --selector"))
	})
})

func runHelper(ctx context.Context, helper, pathDir string, args ...string) string {
	GinkgoHelper()
	cmd := exec.CommandContext(ctx, helper, args...)
	cmd.Env = append(os.Environ(), "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.Stderr = GinkgoWriter
	out, err := cmd.Output()
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimLeft(string(out), " ")
}
