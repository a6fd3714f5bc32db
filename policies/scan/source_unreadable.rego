# SCAN001: a source could not be read, so coverage is incomplete.
package aks_certscan.rules.source_unreadable

import rego.v1

metadata := {
	"id": "SCAN001",
	"name": "source-unreadable",
	"title": "A source could not be read",
	"severity": "warning",
	"scope": "non-certificate",
	"description": concat("\n\n", [
		concat(" ", [
			"A file, directory or probe given to the scan could not be read or understood: missing,",
			"unreadable, too large, empty, malformed PEM/DER/YAML/JSON, the wrong kind of document, or a",
			"failed probe. Whatever it held was not checked, so the scan's coverage is incomplete. Use",
			"`--fail-on warning` to fail a pipeline on lost coverage.",
		]),
		"One finding per collection error in the facts' `errors`.",
	]),
	"remediation": concat(" ", [
		"Fix or remove the source named in the message and scan again.",
		"The facts document's `errors` list has every detail.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#scan001",
	"references": ["https://github.com/aks-certscan/aks-certscan/blob/main/docs/facts.md#errors"],
	"tags": ["security", "coverage"],
	"precision": "very-high",
	"params": {},
}

findings contains finding if {
	some e in input.errors
	finding := {
		"message": sprintf("%s %s could not be read completely (%s): %s", [
			e.source,
			e.path,
			e.kind,
			e.message,
		]),
		"resource": {
			"kind": "source",
			"id": sprintf("%s|%s|%s|%s", [e.source, e.path, e.kind, e.message]),
			"name": sprintf("%s %s", [e.source, e.path]),
			"cluster": null,
		},
		"location": {"path": e.path, "line": e.line},
		"evidence": e,
	}
}
