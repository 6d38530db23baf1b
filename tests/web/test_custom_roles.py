"""A role added without code (for a new lane) reaches the worklist and the admin pages."""
from app.persistence.models import db
from app.services.people.accounts import create_user
from app.services.people.roles import add_role

from tests.conftest import PASSWORD
from tests.support import actor, now


def test_a_new_role_has_a_worklist_and_can_be_given_by_the_admin(client):
    add_role(actor("pemilik"), "bagian_hukum", "Bagian Hukum")
    create_user("hukum", "Staf Bagian Hukum", PASSWORD, now(), ["bagian_hukum"])
    db.session.commit()
    client.post("/masuk", data={"username": "hukum", "password": PASSWORD})
    page = client.get("/staf/tugas")
    assert page.status_code == 200 and "Daftar Tugas" in page.get_data(as_text=True)
    client.post("/keluar")
    client.post("/masuk", data={"username": "admin", "password": PASSWORD})
    form = client.get("/admin/pengguna/baru").get_data(as_text=True)
    assert 'value="bagian_hukum"' in form and "Bagian Hukum" in form
