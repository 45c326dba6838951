import { Absence, Closure, PlageOuverture, ReferenceWeek } from '../agenda/agenda.entity';
import { Agent, AgentRole, AgentService, Invitation } from '../agents/agent.entity';
import { ApiToken, PlatformAdmin } from '../auth/auth.entity';
import { Participation, Rdv, RdvAgent, RdvHold, RdvLink } from '../booking/rdv.entity';
import { TerritoryConfig } from '../configuration/territory-config.entity';
import { OutboxEvent } from '../events/outbox-event.entity';
import { RecordVersion } from '../history/record-version.entity';
import { Lieu } from '../lieux/lieu.entity';
import { Motif } from '../motifs/motif.entity';
import { NotificationReceipt } from '../notifications/receipt.entity';
import { Organisation } from '../organisations/organisation.entity';
import { Territory } from '../territories/territory.entity';
import { User, UserProfile } from '../usagers/user.entity';

/** Every entity the data source maps; a domain adds its own here. */
export const ENTITIES = [
  Territory, Organisation, Agent, AgentRole, AgentService, Invitation,
  PlatformAdmin, ApiToken, Motif, Lieu, TerritoryConfig, OutboxEvent, Rdv, RdvAgent,
  Participation, RdvHold, RdvLink,
  PlageOuverture, Absence, Closure, ReferenceWeek, NotificationReceipt,
  User, UserProfile, RecordVersion,
];
