import { definePlugin } from '../../platform/src/plugins/sdk';
import { checks } from './check';
import { AntsConfig, configSchema } from './config';
import { hubRoutes } from './hub';
import { migrations } from './migrations';
import { numberField } from './numbers';
import { appointmentRetention } from './retention';
import { adminRoutes } from './routes';
import { onEvent, recoverSyncs, SYNC_JOB, syncRdv } from './sync';

/**
 * ANTS (France Titres) for CNI and passport appointments, as RDV Service Public speaks it:
 * the national site lists our meeting points and free slots (partner routes under
 * `/api/ants`), each person's pré-demande number is checked before booking, and the
 * appointments are declared to the API coordination as rdvs change. See README.md.
 */
export default definePlugin<AntsConfig>({
  name: 'ants',
  version: '1.0.0',
  description: 'Carte d’identité et passeport : publication des lieux et créneaux sur le site de l’ANTS, vérification et déclaration des numéros de pré-demande',
  scope: 'organisation',
  configSchema,
  instanceSettings: {
    hubToken: {
      env: 'ANTS_HUB_AUTH_TOKEN',
      description: 'The token the ANTS hub sends in X-HUB-RDV-AUTH-TOKEN when it calls /api/ants (given by ANTS to the editor)',
    },
  },
  fields: [numberField],
  checks,
  events: ['rdv.*', 'user.updated'],
  onEvent,
  jobs: { [SYNC_JOB]: syncRdv },
  routes: adminRoutes,
  partnerRoutes: hubRoutes,
  migrations,
  recover: recoverSyncs,
  retention: [appointmentRetention],
});
