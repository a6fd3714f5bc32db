# SCAN002: a waiver (an entry of the --exceptions file) that has expired or waives nothing.
package aks_certscan.rules.exception_not_in_force

import rego.v1

metadata := {
	"id": "SCAN002",
	"name": "exception-not-in-force",
	"title": "An exception has expired or matches no finding",
	"severity": "warning",
	"scope": "exceptions",
	"description": concat("\n\n", [
		concat(" ", [
			"An entry of the `--exceptions` file waives a finding until a date, with a reason. Past that",
			"date it waives nothing: the finding is back in the gate, and this finding says the waiver",
			"needs a decision. An entry that matches no finding (the problem was fixed, or the entry",
			"names the wrong rule or resource) is reported too, so that waivers cannot rot silently.",
		]),
		concat(" ", [
			"Evaluated on the exceptions after every other rule (`input.exceptions`: each entry with its",
			"`status`: `expired`, `unmatched` or `active`).",
		]),
	]),
	"remediation": concat(" ", [
		"Fix what the exception waived, or renew it with a new `expires` date and reason;",
		"delete entries that match nothing.",
	]),
	"help_uri": "https://github.com/aks-certscan/aks-certscan/blob/main/docs/rules.md#scan002",
	"references": ["https://github.com/aks-certscan/aks-certscan/blob/main/docs/exceptions.md"],
	"tags": ["governance", "exceptions"],
	"precision": "very-high",
	"params": {},
}

messages := {
	"expired": "exception for %s (%s) expired on %s: the finding is reported again (reason was: %s)",
	"unmatched": "exception for %s (%s), valid until %s, matches no finding: delete it or fix it (reason: %s)",
}

findings contains finding if {
	some e in input.exceptions
	template := messages[e.status]
	finding := {
		"message": sprintf(template, [e.rule, e.target, e.expires, e.reason]),
		"resource": {
			"kind": "exception",
			"id": sprintf("%s|%s", [e.rule, e.target]),
			"name": sprintf("exception %s %s", [e.rule, e.target]),
			"cluster": null,
		},
		"location": {"path": e.file, "line": e.line},
		"evidence": e,
	}
}
