// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/scim-operator/scim-operator/internal/idp"
)

var _ = Describe("Identity provider runs", func() {
	for _, script := range idp.Scripts() {
		for _, duplicate := range []bool{false, true} {
			name := script.Name
			if duplicate {
				name += ", every write delivered twice"
			}
			It("completes a whole provisioning run as "+name, func() {
				t := newTenant()
				target := &idp.Target{
					BaseURL: t.url(""),
					Token:   t.token,
					Cluster: idp.KubeCluster{Client: k8sClient, Namespace: t.namespace},
				}
				run, err := script.Run(ctx, target, fmt.Sprintf("%s-%t", script.Name, duplicate), 6, 2, duplicate)
				Expect(err).NotTo(HaveOccurred())
				Expect(run.Requests).To(BeNumerically(">", 30))
			})
		}
	}
})
