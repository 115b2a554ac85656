// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package controllers_test

import (
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/controllers"
	"github.com/scim-operator/scim-operator/internal/suite"
)

// conditionSeries returns the scim_tenant_condition series of tenant, as
// "condition/status" to value.
func conditionSeries(tenant string) map[string]float64 {
	families, err := ctrlmetrics.Registry.Gather()
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "scim_tenant_condition" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := labelMap(m)
			if l["tenant"] == tenant {
				out[l["condition"]+"/"+l["status"]] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

var _ = Describe("Tenant health", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("raises ScimTenantNotReady for a tenant whose token Secret is missing, clears it when the Secret appears, and leaves no series once the tenant is deleted", func() {
		tenant := newTenant(ns, "awaiting", "delivered-later")
		tenant.Spec.TokenSecretRef.Generate = ptr.To(false)
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		label := client.ObjectKeyFromObject(tenant).String()
		Eventually(func() map[string]float64 { return conditionSeries(label) }).Should(And(
			HaveKeyWithValue("Ready/False", 1.0), HaveKeyWithValue("Ready/True", 0.0), HaveKeyWithValue("Ready/Unknown", 0.0),
			HaveKeyWithValue("TokenReady/False", 1.0), HaveKeyWithValue("EndpointReady/True", 1.0)))
		dir := GinkgoT().TempDir()
		missing := filepath.Join(dir, "missing.prom")
		Expect(prometheus.WriteToTextfile(missing, ctrlmetrics.Registry)).To(Succeed())

		By("the Secret appearing")
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "delivered-later", Labels: tokenLabel},
			Data:       map[string][]byte{"token": []byte(strings.Repeat("s", 40))},
		})).To(Succeed())
		Eventually(func() map[string]float64 { return conditionSeries(label) }).Should(HaveKeyWithValue("Ready/True", 1.0))
		present := filepath.Join(dir, "present.prom")
		Expect(prometheus.WriteToTextfile(present, ctrlmetrics.Registry)).To(Succeed())

		By("evaluating the shipped alert as Prometheus does, over those scrapes")
		rules, err := filepath.Abs(filepath.Join("..", "config", "components", "prometheus", "rules.yaml"))
		Expect(err).NotTo(HaveOccurred())
		cmd := exec.CommandContext(ctx, "go", "run", ".", "-rules", rules, "-alert", "ScimTenantNotReady",
			"-timeline", missing+"=5m,"+missing+"=6m,"+present+"=1m")
		cmd.Dir = filepath.Join("..", "hack", "promcheck")
		cmd.Stderr = GinkgoWriter
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		var pending, firing, after []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if !strings.Contains(line, `tenant="`+label+`"`) {
				continue
			}
			switch {
			case strings.HasPrefix(line, missing+" 5m0s pending "):
				pending = append(pending, line)
			case strings.HasPrefix(line, missing+" 11m0s firing "):
				firing = append(firing, line)
			default:
				after = append(after, line)
			}
		}
		Expect(pending).To(HaveLen(1), "pending for the first 10 minutes:\n%s", out)
		Expect(firing).To(HaveLen(1), "firing after 10 minutes:\n%s", out)
		Expect(after).To(BeEmpty(), "resolved once the Secret is there:\n%s", out)

		By("the tenant's deletion")
		Expect(k8sClient.Delete(ctx, tenant)).To(Succeed())
		Eventually(func() map[string]float64 { return conditionSeries(label) }).Should(BeEmpty())
	})

	It("reports a tenant whose endpoint has no host as not Ready", func() {
		tenant := newTenant(ns, "hostless", "hostless-token")
		Expect(k8sClient.Create(ctx, tenant)).To(Succeed())
		key := client.ObjectKeyFromObject(tenant)
		Eventually(func(g Gomega) {
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())

		noBaseURL := controllers.NewReconcilers(running.Manager, controllers.Options{Namespace: suite.OperatorNamespace})
		// The suite's own reconcilers, which know a base URL, may reconcile
		// the tenant too: what this one reports is read right after it.
		Eventually(func(g Gomega) {
			reconcile(noBaseURL.Tenants, key)
			g.Expect(conditionSeries(key.String())).To(HaveKeyWithValue("Ready/False", 1.0))
			c := condition(g, key, v1alpha1.ConditionEndpointReady)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(v1alpha1.ReasonNoBaseURL))
			g.Expect(c.Message).To(ContainSubstring("scim.baseURL"))
			ready := condition(g, key, v1alpha1.ConditionReady)
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Reason).To(Equal(v1alpha1.ReasonNoBaseURL))
		}).Should(Succeed())

		By("the tenant naming its own base URL")
		Expect(k8sClient.Get(ctx, key, tenant)).To(Succeed())
		tenant.Spec.PublicBaseURL = "https://scim.acme.example"
		Expect(k8sClient.Update(ctx, tenant)).To(Succeed())
		Eventually(func(g Gomega) {
			reconcile(noBaseURL.Tenants, key)
			g.Expect(condition(g, key, v1alpha1.ConditionEndpointReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(g, key, v1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}).Should(Succeed())
	})
})
