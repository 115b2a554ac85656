// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/scim-operator/scim-operator/internal/version"
)

var _ = Describe("kubectl scim version", func() {
	It("prints the plugin's version without reaching a cluster", func() {
		out := kubectlScim("version", "--client", "--kubeconfig", "/nonexistent").succeeded()
		Expect(out).To(Equal("Client: kubectl-scim " + version.Get().String() + "\n"))
	})

	It("prints the image each of the operator's Deployments runs", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "operator-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		labels := map[string]string{"app.kubernetes.io/name": "scim-operator", "app.kubernetes.io/component": "scim-server"}
		Expect(k8sClient.Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "scim-operator-scim-server", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](2),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "server", Image: "registry.example.com/scim-operator:v9.8.7"}}},
				},
			},
		})).To(Succeed())

		var report versionReport
		kubectlScim("version", "-o", "json", "--operator-namespace", ns.Name).jsonOf(&report)
		Expect(report.Client).To(Equal(version.Get()))
		Expect(report.Server).To(ConsistOf(deploymentReport{
			Namespace: ns.Name, Name: "scim-operator-scim-server", Component: "scim-server",
			Image: "registry.example.com/scim-operator:v9.8.7", Replicas: 2,
		}))

		out := kubectlScim("version", "--operator-namespace", ns.Name).succeeded()
		Expect(out).To(MatchRegexp(`(?m)^` + ns.Name + `\s+scim-operator-scim-server\s+scim-server\s+registry.example.com/scim-operator:v9.8.7\s+0/2$`))
	})

	It("says when no Deployment of the operator is there", func() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "empty-"}}
		Expect(k8sClient.Create(ctx, ns)).To(Succeed())
		out := kubectlScim("version", "--operator-namespace", ns.Name).succeeded()
		Expect(out).To(ContainSubstring("Server: no Deployment labelled app.kubernetes.io/name=scim-operator was found"))
	})
})
