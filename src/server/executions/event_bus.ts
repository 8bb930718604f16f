// The backend's event bus: CloudEvents published by `emit` tasks and `stigmer events emit`
// reach the `listen` tasks and event-driven schedules of the same organization only. In
// memory: an event with nobody listening is gone (there is no broker to replay it).
import type { CloudEvent, EventHooks } from "../../engine/mod.ts";

type Subscriber = (event: CloudEvent) => void;

export class EventBus {
  readonly #subscribers = new Map<string, Set<Subscriber>>();
  #published = 0;

  constructor(private readonly log: { error(message: string): void } = console) {}

  /** Delivers to every subscriber of `org`; returns how many received it. */
  publish(org: string, event: CloudEvent): number {
    this.#published++;
    const subscribers = [...this.#subscribers.get(org) ?? []];
    for (const subscriber of subscribers) {
      try {
        subscriber(event);
      } catch (error) {
        // One faulty subscriber must not keep the event from the others.
        this.log.error(`event subscriber failed on ${event.type}: ${error}`);
      }
    }
    return subscribers.length;
  }

  subscribe(org: string, subscriber: Subscriber): () => void {
    let set = this.#subscribers.get(org);
    if (!set) this.#subscribers.set(org, set = new Set());
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.#subscribers.get(org) === set) this.#subscribers.delete(org);
    };
  }

  /** What a run of `org` sees: it publishes to and hears from its own organization only. */
  forOrg(org: string): EventHooks {
    return {
      publish: (event) => void this.publish(org, event),
      subscribe: (onEvent) => this.subscribe(org, onEvent),
    };
  }

  get published(): number {
    return this.#published;
  }
}
