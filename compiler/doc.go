// Package compiler turns environment specs into the files they need. It is
// the entry point of a pipeline whose stages are packages of their own:
//
//	load      spec files → the validated model (CUE, positions, credentials, acceptances)
//	plan      model → derived facts and every generated name
//	check     model + plan → diagnostics (the platform rules)
//	emitters  model + plan → files (Terraform, Kubernetes, New Relic)
//	outtree   the output directory: write, diff, manifest, journal
//
// Compile compiles one environment and CompileAll many, by one path: what
// the command runs is what the tests, the fuzzer and the benchmarks run.
//
// The rules of the house, which TestImportRules keeps:
//   - the emitters never import compiler, compiler/check, compiler/load or
//     compiler/outtree: they are pure functions of model and plan;
//   - check never imports the emitters, outtree or load: facts a rule needs
//     from the previous output are read here, through outtree and layout,
//     and passed to check as data;
//   - model imports nothing of ours.
package compiler
