// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/scim-operator/scim-operator/internal/version"
)

// operatorSelector is the label every way of installing the operator puts
// on its Deployments.
var operatorSelector = client.MatchingLabels{"app.kubernetes.io/name": "scim-operator"}

// versionReport is what `kubectl scim version` prints.
type versionReport struct {
	Client version.Info       `json:"client"`
	Server []deploymentReport `json:"server,omitempty"`
	// ServerError says why the server side could not be read.
	ServerError string `json:"serverError,omitempty"`
}

// deploymentReport is one of the operator's Deployments: the image it runs
// is the release the cluster has.
type deploymentReport struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Component string `json:"component"`
	Image     string `json:"image"`
	Ready     int32  `json:"readyReplicas"`
	Replicas  int32  `json:"replicas"`
}

func newVersionCommand(o *options) *cobra.Command {
	var clientOnly bool
	var operatorNamespace string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version and the image the operator's Deployments run",
		Long: "version prints this plugin's version and, unless --client, the image each of the operator's\n" +
			"Deployments (labelled app.kubernetes.io/name=scim-operator) runs, with its ready replicas.",
		Args: cobra.NoArgs,
		// The client's version needs no cluster.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if err := o.checkOutput(); err != nil {
				return err
			}
			if clientOnly {
				return nil
			}
			return o.connect()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			report := versionReport{Client: version.Get()}
			if !clientOnly {
				deployments, err := o.operatorDeployments(cmd.Context(), operatorNamespace)
				if err != nil {
					report.ServerError = err.Error()
				}
				report.Server = deployments
			}
			if o.format != outputTable && o.format != outputWide {
				return o.printObject(report)
			}
			return o.printVersion(report, clientOnly)
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "Print only the plugin's version; read nothing from the cluster.")
	cmd.Flags().StringVar(&operatorNamespace, "operator-namespace", "", "The operator's namespace; empty looks in every namespace.")
	return cmd
}

func (o *options) operatorDeployments(ctx context.Context, namespace string) ([]deploymentReport, error) {
	list := &appsv1.DeploymentList{}
	if err := o.client.List(ctx, list, operatorSelector, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("list the operator's Deployments: %w", err)
	}
	var out []deploymentReport
	for _, d := range list.Items {
		r := deploymentReport{
			Namespace: d.Namespace,
			Name:      d.Name,
			Component: d.Labels["app.kubernetes.io/component"],
			Ready:     d.Status.ReadyReplicas,
		}
		if d.Spec.Replicas != nil {
			r.Replicas = *d.Spec.Replicas
		}
		var images []string
		for _, c := range d.Spec.Template.Spec.Containers {
			images = append(images, c.Image)
		}
		r.Image = strings.Join(images, ",")
		out = append(out, r)
	}
	return out, nil
}

func (o *options) printVersion(report versionReport, clientOnly bool) error {
	lines := "Client: kubectl-scim " + report.Client.String() + "\n"
	var serverErr error
	switch {
	case clientOnly:
	case report.ServerError != "":
		serverErr = fmt.Errorf("server: %s", report.ServerError)
	case len(report.Server) == 0:
		lines += "Server: no Deployment labelled app.kubernetes.io/name=scim-operator was found\n"
	default:
		lines += "Server:\n"
	}
	if _, err := io.WriteString(o.Out, lines); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if clientOnly || serverErr != nil || len(report.Server) == 0 {
		return serverErr
	}
	t := &table{header: []string{"NAMESPACE", "DEPLOYMENT", "COMPONENT", "IMAGE", "READY"}}
	for _, d := range report.Server {
		t.add(d.Namespace, d.Name, d.Component, d.Image, fmt.Sprintf("%d/%d", d.Ready, d.Replicas))
	}
	return writeTable(o.Out, t, o.noHeaders)
}
