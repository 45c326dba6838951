import { agendaRoutes } from '../agenda/routes';
import { invitationRoutes } from '../agents/invitations';
import { agentRoutes } from '../agents/routes';
import { authRoutes } from '../auth/routes';
import { accountInvitationRoutes } from '../booking/account-invitations';
import { publicBookingRoutes } from '../booking/public-routes';
import { rdvRoutes } from '../booking/routes';
import { configurationRoutes } from '../configuration/routes';
import { exportRoutes } from '../exports/routes';
import { formRoutes } from '../forms/routes';
import { lieuRoutes } from '../lieux/routes';
import { motifRoutes } from '../motifs/routes';
import { notificationRoutes } from '../notifications/routes';
import { waitingRoomRoutes } from '../notifications/waiting-room';
import { publicOrganisationRoutes } from '../organisations/public-routes';
import { organisationRoutes } from '../organisations/routes';
import { pluginRoutes } from '../plugins/routes';
import { retentionRoutes } from '../retention/routes';
import { schedulingRoutes } from '../scheduling/routes';
import { statisticsRoutes } from '../statistics/routes';
import { serviceRoutes } from '../services/routes';
import { tenancyRoutes } from '../tenancy/routes';
import { publicTerritoryRoutes } from '../territories/public-routes';
import { territoryRoutes } from '../territories/routes';
import { userRoutes } from '../usagers/routes';
import type { RouteDefinition } from './route';

/** Every API route; a domain adds its list here. */
export const API_ROUTES: RouteDefinition[] = [
  ...authRoutes,
  ...territoryRoutes,
  ...retentionRoutes,
  ...tenancyRoutes,
  ...configurationRoutes,
  ...formRoutes,
  ...serviceRoutes,
  ...organisationRoutes,
  ...agentRoutes,
  ...invitationRoutes,
  ...motifRoutes,
  ...lieuRoutes,
  ...agendaRoutes,
  ...schedulingRoutes,
  ...publicOrganisationRoutes,
  ...publicTerritoryRoutes,
  ...userRoutes,
  ...accountInvitationRoutes,
  ...rdvRoutes,
  ...publicBookingRoutes,
  ...notificationRoutes,
  ...waitingRoomRoutes,
  ...pluginRoutes,
  ...statisticsRoutes,
  ...exportRoutes,
] as RouteDefinition[];
