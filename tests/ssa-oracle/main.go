// ssa-oracle runs server-side apply scenarios through kubernetes-sigs/structured-merge-diff, the library the API server
// uses for apply, so the contract server's own SSA can be compared with the real algorithm (tests/KVEdge.Core.Tests/
// Cluster/StructuredMergeDiffComparisonTests.cs). It reads one JSON document on stdin:
//
//	{"schema": "<structured-merge-diff schema YAML>", "type": "<type name>", "apiVersion": "v1",
//	 "steps": [{"manager": "a", "operation": "Apply"|"Update", "force": false, "object": {...}}]}
//
// and prints, for every step, the object after it, the managed fields and the conflicts (an apply that conflicts leaves
// the object as it was). Like the API server (k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager/internal/
// stripmeta.go) it strips apiVersion, kind and metadata's name, namespace, uid, resourceVersion, generation,
// creationTimestamp, selfLink, managedFields from every manager's set, and drops a manager left with nothing
// (managedfieldsupdater.go).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/structured-merge-diff/v4/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v4/merge"
	"sigs.k8s.io/structured-merge-diff/v4/typed"
)

type step struct {
	Manager   string                 `json:"manager"`
	Operation string                 `json:"operation"`
	Force     bool                   `json:"force"`
	Object    map[string]interface{} `json:"object"`
}

type input struct {
	Schema     string `json:"schema"`
	Type       string `json:"type"`
	APIVersion string `json:"apiVersion"`
	Steps      []step `json:"steps"`
}

type managed struct {
	Manager   string          `json:"manager"`
	Operation string          `json:"operation"`
	FieldsV1  json.RawMessage `json:"fieldsV1"`
}

type conflict struct {
	Manager string `json:"manager"`
	Field   string `json:"field"`
}

type result struct {
	Object    interface{} `json:"object"`
	Managed   []managed   `json:"managedFields"`
	Conflicts []conflict  `json:"conflicts"`
	Error     string      `json:"error,omitempty"`
}

// The apply path compares objects of one version only: no conversion.
type noConversion struct{}

func (noConversion) Convert(v *typed.TypedValue, _ fieldpath.APIVersion) (*typed.TypedValue, error) {
	return v, nil
}

func (noConversion) IsMissingVersionError(error) bool { return false }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ssa-oracle: "+format+"\n", args...)
	os.Exit(1)
}

// Managers are keyed as the API server keys them: by manager and operation (an Apply and an Update by the same
// manager are two entries).
func key(manager, operation string) string { return manager + "\x00" + operation }

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading input: %v", err)
	}

	parser, err := typed.NewParser(typed.YAMLObject(in.Schema))
	if err != nil {
		fail("parsing schema: %v", err)
	}

	pt := parser.Type(in.Type)
	version := fieldpath.APIVersion(in.APIVersion)
	strip := fieldpath.NewSet(
		fieldpath.MakePathOrDie("apiVersion"),
		fieldpath.MakePathOrDie("kind"),
		fieldpath.MakePathOrDie("metadata", "name"),
		fieldpath.MakePathOrDie("metadata", "namespace"),
		fieldpath.MakePathOrDie("metadata", "creationTimestamp"),
		fieldpath.MakePathOrDie("metadata", "selfLink"),
		fieldpath.MakePathOrDie("metadata", "uid"),
		fieldpath.MakePathOrDie("metadata", "clusterName"),
		fieldpath.MakePathOrDie("metadata", "generation"),
		fieldpath.MakePathOrDie("metadata", "managedFields"),
		fieldpath.MakePathOrDie("metadata", "resourceVersion"),
	)

	updater := merge.Updater{Converter: noConversion{}}
	live, err := pt.FromUnstructured(map[string]interface{}{})
	if err != nil {
		fail("empty object: %v", err)
	}
	exists := false
	managers := fieldpath.ManagedFields{}
	results := []result{}

	for i, s := range in.Steps {
		obj, err := pt.FromUnstructured(s.Object)
		if err != nil {
			fail("step %d: object does not fit the schema: %v", i, err)
		}

		var next *typed.TypedValue
		var after fieldpath.ManagedFields
		k := key(s.Manager, s.Operation)
		// The updater works on a map keyed by manager; give it the entries of this step's key space.
		working := fieldpath.ManagedFields{}
		for m, set := range managers {
			working[m] = set
		}

		r := result{Conflicts: []conflict{}}
		switch s.Operation {
		case "Apply":
			next, after, err = updater.Apply(live, obj, version, working, k, s.Force)
			if err == nil && next == nil {
				next = live
			}
		case "Update":
			next, after, err = updater.Update(live, obj, version, working, k)
		default:
			fail("step %d: operation %q", i, s.Operation)
		}

		if err != nil {
			conflicts, ok := err.(merge.Conflicts)
			if !ok {
				r.Error = err.Error()
			}
			for _, c := range conflicts {
				manager := strings.SplitN(c.Manager, "\x00", 2)[0]
				r.Conflicts = append(r.Conflicts, conflict{Manager: manager, Field: c.Path.String()})
			}
		} else {
			live = next
			exists = true
			managers = fieldpath.ManagedFields{}
			for m, set := range after {
				stripped := set.Set().Difference(strip)
				if !stripped.Empty() {
					managers[m] = fieldpath.NewVersionedSet(stripped, set.APIVersion(), set.Applied())
				}
			}
		}

		if exists {
			r.Object = live.AsValue().Unstructured()
		}
		names := make([]string, 0, len(managers))
		for m := range managers {
			names = append(names, m)
		}
		sort.Strings(names)
		for _, m := range names {
			fields, err := managers[m].Set().ToJSON()
			if err != nil {
				fail("step %d: serialising fields: %v", i, err)
			}
			parts := strings.SplitN(m, "\x00", 2)
			r.Managed = append(r.Managed, managed{Manager: parts[0], Operation: parts[1], FieldsV1: fields})
		}
		results = append(results, r)
	}

	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(results); err != nil {
		fail("writing output: %v", err)
	}
}
