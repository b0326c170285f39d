package main

import "github.com/spf13/cobra"

// riskAnalysisCmds are the shock analyses: worst-case loss and cascades.
func riskAnalysisCmds(f *riskFlags) []*cobra.Command { return nil }
