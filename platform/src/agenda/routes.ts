import { absenceRoutes } from './absences';
import { closureRoutes } from './closures';
import { plageRoutes } from './plages';
import { referenceWeekRoutes } from './reference-weeks';

/** Plages d'ouverture, absences, closures and reference weeks. */
export const agendaRoutes = [...plageRoutes, ...absenceRoutes, ...closureRoutes, ...referenceWeekRoutes];
