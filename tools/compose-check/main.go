// compose-check loads a Compose file as Docker Compose does (compose-go: the Compose
// specification's JSON schema, interpolation, merging of extensions and anchors, normalisation),
// with no container engine, and fails with the loader's message on any error. It prints each
// service with its image, whether it is built, and its health check.
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		[]string{os.Args[1]},
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	// Our own rules on top of the specification's: every service says when it is healthy (so
	// `docker compose up --wait` means something), and an image is built by one service only.
	builtBy := map[string]string{}
	var problems []string
	for _, name := range names {
		service := project.Services[name]
		if service.Build != nil {
			if service.Image == "" {
				problems = append(problems, name+" builds an image with no name (image:), which no other service can reuse")
			} else if other, seen := builtBy[service.Image]; seen {
				problems = append(problems, fmt.Sprintf("%s builds %s again (%s does): build an image once", name, service.Image, other))
			}
			builtBy[service.Image] = name
		}
	}
	for _, name := range names {
		service := project.Services[name]
		source := "pulled"
		if service.Build != nil {
			source = "built here"
		} else if by, ok := builtBy[service.Image]; ok {
			source = "from " + by
		}
		health := "no health check"
		if service.HealthCheck != nil && len(service.HealthCheck.Test) > 0 && !service.HealthCheck.Disable {
			health = "health: " + strings.Join(service.HealthCheck.Test, " ")
			if len(health) > 80 {
				health = health[:77] + "..."
			}
		} else {
			problems = append(problems, name+" has no health check")
		}
		fmt.Printf("  %-9s %-19s %-11s %s\n", name, service.Image, source, health)
	}
	if len(problems) > 0 {
		fail(fmt.Errorf("%s", strings.Join(problems, "; ")))
	}
	builds := len(builtBy)
	fmt.Printf("%s: valid (%d services, %d built)\n", os.Args[1], len(names), builds)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
	os.Exit(1)
}
