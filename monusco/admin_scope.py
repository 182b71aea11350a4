"""Admin pages cut to the user's scope, as the field pages are.

Every model admin of the project inherits ``ScopedAdmin`` (inlines: ``ScopedInlineMixin``):

- lists, change, history and delete pages, and autocomplete answers, hold only the records in
  the user's scope. A record out of scope answers exactly as one that does not exist;
- the history page asks for the same permission as the change page;
- every choice a form offers (foreign keys, many-to-many, autocomplete) is cut to what the related
  model's admin shows the user, and the relation filters of a list offer only values found in the
  rows in scope.

Superusers see everything. ``scope_paths`` are the lookups to the record's base, territory and
province, as ``Scope.filter`` takes them (a list of such dicts: any of them puts the record in
scope). ``scope_global`` marks reference data that is the same for everyone (review checklists);
``admin_only`` marks pages that only administrators open (the audit log, API clients, roles).

``monusco`` imports none of the apps. An app whose models lead to a foundation record (a base
covers localities, a user is assigned to a base) adds that way in with ``add_scope_paths``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet

from .scope import Scope, scope_for

if TYPE_CHECKING:  # the mixins below are only ever mixed into these
    _AdminBase = admin.ModelAdmin[Any]
    _InlineBase = admin.options.InlineModelAdmin[Any, Any]
else:
    _AdminBase = _InlineBase = object

_FormT = TypeVar("_FormT", bound=forms.BaseForm)

_added_paths: dict[str, list[dict[str, str]]] = {}


def add_scope_paths(model: type[Model], **paths: str) -> None:
    """Another way into scope for ``model``'s records, e.g. ``add_scope_paths(Locality,
    base="covering_bases__id")``: a locality is in the scope of the bases that cover it."""
    known = _added_paths.setdefault(model._meta.label_lower, [])
    if paths not in known:
        known.append(paths)


def _crosses_many(model: type[Model], path: str) -> bool:
    """Whether a lookup path goes through a to-many relation (so a join can repeat rows)."""
    for part in path.split("__")[:-1]:
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not isinstance(field.related_model, type):
            return False
        model = field.related_model
    return False


def filter_in_scope(qs: QuerySet, scope: Scope, alternatives: Iterable[dict[str, str]]) -> QuerySet:
    """The rows of ``qs`` that any of the ``alternatives`` (lookup paths) puts in ``scope``, each
    row once."""
    if scope.everything:
        return qs
    alternatives = [paths for paths in alternatives if paths]
    condition = Q(pk__in=[])
    for paths in alternatives:
        condition |= scope.q(**paths)
    if any(_crosses_many(qs.model, path) for paths in alternatives for path in paths.values()):
        return qs.filter(pk__in=qs.model._default_manager.filter(condition).values("pk"))
    return qs.filter(condition)


def _current_pks(form: forms.BaseForm, name: str, field: forms.Field) -> list:
    value = form.initial.get(name)
    if value is None or value == "":
        return []
    values = value if isinstance(value, list | tuple | set | QuerySet) else [value]
    return [getattr(v, "pk", v) for v in values if v is not None and v != ""]


def _keep_current_links(form_class: type[_FormT]) -> type[_FormT]:
    """The form, with each cut choice list still holding the record's current value: a record in
    scope may point at something outside it (a focal point of another base sent the alert), and
    saving the record unchanged must neither fail nor drop the link."""

    class Form(form_class):  # type: ignore[valid-type,misc]  # the form the admin built, known at run time
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if getattr(self.instance, "pk", None) is None:
                return
            for name, field in self.fields.items():
                if not isinstance(field, forms.ModelChoiceField):
                    continue
                current = _current_pks(self, name, field)
                queryset = field.queryset
                if current and queryset is not None:
                    field.queryset = queryset.model._default_manager.filter(
                        Q(pk__in=queryset.values("pk")) | Q(pk__in=current)
                    ).order_by(*queryset.query.order_by)

    Form.__name__ = form_class.__name__
    return Form


def scoped_choices(admin_site, db, db_field, request, default: QuerySet | None) -> QuerySet | None:
    """The choices of a relation field for this user: what the related model's admin shows them
    (nothing when that model has no scoped admin)."""
    if request.user.is_superuser:
        return default
    related = db_field.remote_field.model
    qs = default if default is not None else related._default_manager.using(db).all()
    related_admin = admin_site._registry.get(related)
    if not isinstance(related_admin, ScopedAdminMixin):
        return qs.none()
    return qs.filter(pk__in=related_admin.get_queryset(request).values("pk"))


def _relation_filter(model: type[Model], entry):
    """A plain relation filter becomes one that offers only the values found in the rows in scope."""
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return entry
    if getattr(field, "is_relation", False) and (field.many_to_one or field.many_to_many or field.one_to_one):
        return (entry, admin.RelatedOnlyFieldListFilter)
    return entry


class ScopedAdminMixin(_AdminBase):
    scope_paths: dict[str, str] | list[dict[str, str]] = {}
    scope_global = False
    admin_only = False

    # --- scope ---------------------------------------------------------------------------

    def scope_alternatives(self) -> list[dict[str, str]]:
        own = [self.scope_paths] if isinstance(self.scope_paths, dict) else list(self.scope_paths)
        return [*own, *_added_paths.get(self.model._meta.label_lower, [])]

    def scope_queryset(self, request, qs: QuerySet) -> QuerySet:
        """The rows of ``qs`` in the user's scope. Admins whose records reach their scope another
        way (through a selector, or through the report a review is about) override this."""
        if self.scope_global:
            return qs
        return filter_in_scope(qs, scope_for(request.user), self.scope_alternatives())

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if self.admin_only:
            return qs.none()
        return self.scope_queryset(request, qs)

    # --- permissions -------------------------------------------------------------------------

    def has_module_permission(self, request):
        return super().has_module_permission(request) and (request.user.is_superuser or not self.admin_only)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (request.user.is_superuser or not self.admin_only)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and (request.user.is_superuser or not self.admin_only)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (request.user.is_superuser or not self.admin_only)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (request.user.is_superuser or not self.admin_only)

    def history_view(self, request, object_id, extra_context=None):
        # Django's history page looks the record up before asking for any permission, so it
        # would tell a user without access whether a record exists. Ask first, as the change
        # page does.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_changelist_instance(self, request):
        # A date drill-down past the calendar (``?at__year=9999``, a year too long for a C long)
        # fails outside Django's own check: answer it as any bad filter, with the list's error page.
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    # --- choices ---------------------------------------------------------------------------

    def get_field_queryset(self, db, db_field, request):
        return scoped_choices(self.admin_site, db, db_field, request, super().get_field_queryset(db, db_field, request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return form if request.user.is_superuser else _keep_current_links(form)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser or self.scope_global:
            return filters
        return [_relation_filter(self.model, entry) for entry in filters]


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A model admin cut to the user's scope (see the module docstring)."""


class ScopedInlineMixin(_InlineBase):
    """Inline rows of a record in scope: their form choices are cut to the scope too."""

    def get_field_queryset(self, db, db_field, request):
        return scoped_choices(self.admin_site, db, db_field, request, super().get_field_queryset(db, db_field, request))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if not request.user.is_superuser:
            formset.form = _keep_current_links(formset.form)
        return formset


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass
