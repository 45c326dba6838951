import { Foundation1764000000000 } from './1764000000000-Foundation';
import { TerritoryScopedReferences1764000050000 } from './1764000050000-TerritoryScopedReferences';
import { Rdvs1764000100000 } from './1764000100000-Rdvs';
import { Usagers1764000250000 } from './1764000250000-Usagers';
import { Agenda1764000400000 } from './1764000400000-Agenda';
import { AgendaTerritoryReferences1764000450000 } from './1764000450000-AgendaTerritoryReferences';
import { RdvAgentsBusyTimes1764000460000 } from './1764000460000-RdvAgentsBusyTimes';
import { BookingLifecycle1764000550000 } from './1764000550000-BookingLifecycle';
import { Notifications1764000700000 } from './1764000700000-Notifications';
import { EventPipeline1764600000000 } from './1764600000000-EventPipeline';
import { SearchReads1764700000000 } from './1764700000000-SearchReads';
import { AgendaVersions1764800000000 } from './1764800000000-AgendaVersions';
import { LieuAddresses1764850000000 } from './1764850000000-LieuAddresses';
import { ForcedRowLevelSecurity1765200000000 } from './1765200000000-ForcedRowLevelSecurity';
import { TerritoryScopedReferencesEverywhere1765200100000 } from './1765200100000-TerritoryScopedReferencesEverywhere';
import { HoldNetworks1765200200000 } from './1765200200000-HoldNetworks';
import { AgentCredentials1764900000000 } from './1764900000000-AgentCredentials';
import { RdvLockVersion1764960000000 } from './1764960000000-RdvLockVersion';
import { PrescripteurReceipts1765300000000 } from './1765300000000-PrescripteurReceipts';
import { OutboxRequestIds1765400000000 } from './1765400000000-OutboxRequestIds';
import { SecondFactors1765600000000 } from './1765600000000-SecondFactors';
import { UsagerAccountInvitations1765500000000 } from './1765500000000-UsagerAccountInvitations';
import { StatisticsAndExports1796696899229 } from './1796696899229-StatisticsAndExports';
import { Retention1796696959445 } from './1796696959445-Retention';
import { OidcSignIns1796697175188 } from './1796697175188-OidcSignIns';
import { FranceConnect1796697964101 } from './1796697964101-FranceConnect';
import { TerritorySlugs1796699915217 } from './1796699915217-TerritorySlugs';
import { CoveringStatisticsIndexes1796701784691 } from './1796701784691-CoveringStatisticsIndexes';
import { ExportChunksWithinTerritory1796703698499 } from './1796703698499-ExportChunksWithinTerritory';
import { SingleUseLieux1796698246148 } from './1796698246148-SingleUseLieux';
import { MotifAgentDelaysAndOptions1796698708240 } from './1796698708240-MotifAgentDelaysAndOptions';
import { pluginMigrations } from '../../plugins/migrations';
import { PLUGINS } from '../../plugins/registry';

/** The timestamp TypeORM reads at the end of a migration's name, and orders migrations by. */
const timestampOf = (migration: { name: string }) => Number(/\d+$/.exec(migration.name)![0]);

/**
 * Every migration, in the order they run: by timestamp, the platform's and those
 * installed plugins bring. A new file is added here; applied ones are never edited.
 */
export const MIGRATIONS = [Foundation1764000000000, TerritoryScopedReferences1764000050000, Rdvs1764000100000, Usagers1764000250000, Agenda1764000400000, AgendaTerritoryReferences1764000450000, RdvAgentsBusyTimes1764000460000, BookingLifecycle1764000550000, Notifications1764000700000, EventPipeline1764600000000, SearchReads1764700000000, AgendaVersions1764800000000, LieuAddresses1764850000000, AgentCredentials1764900000000, RdvLockVersion1764960000000, ForcedRowLevelSecurity1765200000000, TerritoryScopedReferencesEverywhere1765200100000, HoldNetworks1765200200000, PrescripteurReceipts1765300000000, OutboxRequestIds1765400000000, UsagerAccountInvitations1765500000000, SecondFactors1765600000000, StatisticsAndExports1796696899229, Retention1796696959445, OidcSignIns1796697175188, FranceConnect1796697964101, TerritorySlugs1796699915217, SingleUseLieux1796698246148, MotifAgentDelaysAndOptions1796698708240, CoveringStatisticsIndexes1796701784691, ExportChunksWithinTerritory1796703698499, ...pluginMigrations(PLUGINS)]
  .sort((a, b) => timestampOf(a) - timestampOf(b));
