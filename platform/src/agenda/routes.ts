import { absenceRoutes } from './absences';
import { agentAgendaRoutes } from './agent-agenda';
import { closureRoutes } from './closures';
import { holidayRoutes } from './holiday-routes';
import { plageRoutes } from './plages';
import { referenceWeekRoutes } from './reference-weeks';

/** Plages d'ouverture, absences, closures, reference weeks, public holidays, and an agent's agenda made of them. */
export const agendaRoutes = [...plageRoutes, ...absenceRoutes, ...closureRoutes, ...referenceWeekRoutes, ...holidayRoutes, ...agentAgendaRoutes];
