"""Signing in: the password step (throttled), the second step (TOTP codes and recovery codes), and
the session rules that follow from them (idle time and lifetime).

- ``policy``: who must use a second factor, and the session limits of each role;
- ``backends``: loads the signed-in user together with what the second step needs, in one query;
- ``middleware``: ends sessions past their limits, and holds an unverified session at the second step;
- ``services``: enrolment, recovery codes and verification (the only writers of OTP devices);
- ``throttle``: the login throttle (django-axes): by username and by address, with a cool-off;
- ``passwords``: the password rule that refuses a common word or a place name followed by digits.
"""
