# Managed by ngha: neutron-api's application (/usr/bin/neutron-api), then every SQLAlchemy mapper
# configured at once. Its code reads a relationship that only exists once the mappers
# are configured, which happens at the first query: until then those requests fail.
import runpy

application = runpy.run_path('/usr/bin/neutron-api')["application"]

from sqlalchemy import orm  # noqa: E402 - after the application imported its models

orm.configure_mappers()
