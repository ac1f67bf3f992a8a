package exchange

import "context"

type priorityKey struct{}

// WithPriority marks the requests made with ctx: a client charges its budget
// at this priority, so background polling cannot eat the reserve kept for
// orders and cancels. The Venue interface has no priority argument, and
// threading one through every method would bind the cockpit's scheduling
// policy into each venue's signature.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf returns the priority set by WithPriority, or def when none is.
func PriorityOf(ctx context.Context, def Priority) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok {
		return p
	}
	return def
}
