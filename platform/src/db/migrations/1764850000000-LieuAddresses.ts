import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lieu's structured address and coordinates, beside its one-line `address`:
 * France Titres (ANTS) lists a meeting point only with its street, postcode,
 * city, latitude and longitude. All optional, so existing lieux keep working;
 * the API checks their shapes, the table keeps a pair of coordinates whole and
 * in range whatever writes.
 */
export class LieuAddresses1764850000000 implements MigrationInterface {
  name = 'LieuAddresses1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE lieux
        ADD COLUMN street text NULL,
        ADD COLUMN postcode text NULL,
        ADD COLUMN city text NULL,
        ADD COLUMN latitude double precision NULL,
        ADD COLUMN longitude double precision NULL,
        ADD CONSTRAINT lieux_coordinates CHECK (
          (latitude IS NULL) = (longitude IS NULL)
          AND latitude BETWEEN -90 AND 90
          AND longitude BETWEEN -180 AND 180)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE lieux
        DROP CONSTRAINT lieux_coordinates,
        DROP COLUMN street, DROP COLUMN postcode, DROP COLUMN city,
        DROP COLUMN latitude, DROP COLUMN longitude`);
  }
}
