import pytest

from tests.e2e.conftest import login
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_user_with_no_role_logs_in_and_sees_welcome(page, world):
    from tests.factories import make_user

    make_user(None, username="e2e-norole", first_name="Aline", last_name="Zawadi")
    login(page, "e2e-norole", PASSWORD)
    # The user's saved language (English, from the factory) applies once signed in.
    assert page.locator("h1").inner_text() == "Welcome, Aline Zawadi"
