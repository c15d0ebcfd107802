/**
 * The production topologies `pnpm bench:load -- --topology` runs (one per platform; `SHOPS=vendure` picks
 * some). The topology suite's test files construct their drivers themselves (e.g. Vendure twice, once per
 * job queue); this registry is the one the benchmark uses: Vendure with BullMQ, as docs/deployment.md
 * recommends from a few servers up.
 */
import { selected } from '../../support/drivers';
import { MedusaTopologyDriver } from './medusa-topology';
import type { TopologyDriver } from './topology-driver';
import { VendureTopologyDriver } from './vendure-topology';

/** The topologies, by platform. Add a platform here. */
export const TOPOLOGIES: Record<string, () => TopologyDriver> = {
  vendure: () => new VendureTopologyDriver({ jobQueue: 'bullmq' }),
  medusa: () => new MedusaTopologyDriver(),
};

/** All of {@link TOPOLOGIES}, or those named in `SHOPS` (comma-separated). */
export function registeredTopologies(): Array<{ name: string; create: () => TopologyDriver }> {
  return selected(TOPOLOGIES);
}
