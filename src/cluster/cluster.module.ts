import { Global, Module } from '@nestjs/common';
import { Cluster } from './cluster.js';
import { ClusterLocks } from './locks.js';

@Global()
@Module({ providers: [Cluster, ClusterLocks], exports: [Cluster, ClusterLocks] })
export class ClusterModule {}
