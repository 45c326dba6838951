import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 19: a territory's entry page in the public portal (`/public/territories/<slug>`).
 * Each territory gets a slug, from its name (lowercase, accents dropped, dashes), made
 * unique with the start of its id when another territory has it; new territories get one
 * the same way when they are inserted.
 */
export class TerritorySlugs1796699915217 implements MigrationInterface {
  name = 'TerritorySlugs1796699915217';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE territories ADD COLUMN slug text`);
    await q.query(`
      CREATE FUNCTION territory_slug_of(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(nullif(trim(BOTH '-' FROM regexp_replace(
          translate(lower(name), 'àáâäãåçèéêëìíîïñòóôöõùúûüýÿœæ', 'aaaaaaceeeeiiiinooooouuuuyyoa'), '[^a-z0-9]+', '-', 'g')), ''), 'territoire')
      $$`);
    await q.query(`
      CREATE FUNCTION set_territory_slug() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.slug IS NULL THEN
          NEW.slug := territory_slug_of(NEW.name);
          IF EXISTS (SELECT 1 FROM territories WHERE slug = NEW.slug AND id <> NEW.id) THEN
            NEW.slug := NEW.slug || '-' || substr(NEW.id::text, 1, 8);
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER territories_slug BEFORE INSERT ON territories FOR EACH ROW EXECUTE FUNCTION set_territory_slug()`);
    await q.query(`
      UPDATE territories t SET slug = territory_slug_of(t.name) || CASE
        WHEN EXISTS (SELECT 1 FROM territories o WHERE territory_slug_of(o.name) = territory_slug_of(t.name) AND o.id < t.id)
        THEN '-' || substr(t.id::text, 1, 8) ELSE '' END`);
    await q.query(`ALTER TABLE territories ALTER COLUMN slug SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX territories_slug ON territories (slug)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER territories_slug ON territories`);
    await q.query(`DROP FUNCTION set_territory_slug()`);
    await q.query(`DROP FUNCTION territory_slug_of(text)`);
    await q.query(`ALTER TABLE territories DROP COLUMN slug`);
  }
}
