// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// identityResources hold personal data.
var identityResources = map[string]bool{"scimusers": true, "scimgroups": true, "scimgroupmemberslices": true, "scimclaims": true}

// No shipped role that reads identities aggregates into a built-in role:
// who sees personal data is decided by a binding someone made on purpose.
func TestNoRoleAggregatesIdentityDataIntoBuiltInRoles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "rbac", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		role := &rbacv1.ClusterRole{}
		if err := yaml.Unmarshal(data, role); err != nil || role.Kind != "ClusterRole" {
			continue
		}
		checked++
		aggregates := false
		for label := range role.Labels {
			aggregates = aggregates || strings.HasPrefix(label, "rbac.authorization.k8s.io/aggregate-to-")
		}
		if !aggregates {
			continue
		}
		for _, rule := range role.Rules {
			for _, res := range rule.Resources {
				if identityResources[strings.Split(res, "/")[0]] {
					t.Errorf("%s: ClusterRole %s aggregates into a built-in role and grants %s", filepath.Base(f), role.Name, res)
				}
			}
		}
	}
	if checked < 3 {
		t.Fatalf("read %d ClusterRoles from config/rbac, want the manager's and the people's", checked)
	}
}
