package mail

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Queue delivers messages in the background with retries. Create it with
// NewQueue and start it with Run.
type Queue struct {
	sender  Sender
	jobs    chan job
	logger  *slog.Logger
	opts    QueueOptions
	failing atomic.Bool // the last delivery attempt failed
	wg      sync.WaitGroup
}

// QueueOptions bound the queue and its retries.
type QueueOptions struct {
	Size        int           // capacity; default 256
	Workers     int           // default 2
	MaxAttempts int           // default 8
	Backoff     time.Duration // first retry delay, doubled each time; default 2s
	MaxBackoff  time.Duration // default 5m
}

type job struct {
	msg     Message
	attempt int
}

// NewQueue returns a queue delivering through sender.
func NewQueue(sender Sender, o QueueOptions, logger *slog.Logger) *Queue {
	if o.Size <= 0 {
		o.Size = 256
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	return &Queue{sender: sender, jobs: make(chan job, o.Size), logger: logger, opts: o}
}

// Enqueue accepts m for delivery without waiting. ErrUnavailable when the
// queue is full or the server is failing: the caller tells the user to try
// again. Best-effort notices may ignore the error (it is logged here).
func (q *Queue) Enqueue(m Message) error {
	if q.failing.Load() {
		q.logger.Warn("mail: not accepted, the mail server is failing", "subject", m.Subject)
		return ErrUnavailable
	}
	select {
	case q.jobs <- job{msg: m}:
		return nil
	default:
		q.logger.Warn("mail: not accepted, the queue is full", "subject", m.Subject)
		return ErrUnavailable
	}
}

// Ready reports whether Enqueue would currently accept a message.
func (q *Queue) Ready() bool { return !q.failing.Load() && len(q.jobs) < cap(q.jobs) }

// Run starts the workers; they stop when ctx ends. Wait waits for them.
func (q *Queue) Run(ctx context.Context) {
	for range q.opts.Workers {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			q.work(ctx)
		}()
	}
}

// Wait blocks until the workers have stopped.
func (q *Queue) Wait() { q.wg.Wait() }

func (q *Queue) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-q.jobs:
			q.deliver(ctx, j)
		}
	}
}

// deliver tries the message until it is sent, out of attempts, or the
// queue stops. Retrying in the worker (rather than re-queueing) keeps the
// order and never loses a message to a full channel.
func (q *Queue) deliver(ctx context.Context, j job) {
	delay := q.opts.Backoff
	for j.attempt = 1; j.attempt <= q.opts.MaxAttempts; j.attempt++ {
		sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
		err := q.sender.Send(sendCtx, j.msg)
		cancel()
		if err == nil {
			q.failing.Store(false)
			return
		}
		q.failing.Store(true)
		q.logger.Warn("mail: delivery failed, will retry", "subject", j.msg.Subject, "attempt", j.attempt, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, q.opts.MaxBackoff)
	}
	q.logger.Error("mail: giving up after retries", "subject", j.msg.Subject, "attempts", q.opts.MaxAttempts)
}
