// Package vtl is a Velocity Template Language engine as API Gateway's mapping templates use it: templates are
// parsed once into a tree (syntax errors carry line and column) and rendered many times against variables, with
// Velocity's semantics for references, directives and operators and Java's for the methods templates call on
// strings, lists and maps. Rendering is bounded (steps, #foreach iterations, output size), so no template and no
// input can make it run away. It knows nothing of API Gateway's variables ($input, $util, $context): those are
// values the caller puts in scope.
package vtl
