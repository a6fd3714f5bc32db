package aks_certscan.rules.broken

import rego.v1

metadata := {"id": "BRK001"

findings contains f if {
