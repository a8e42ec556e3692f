from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Proxy7',
            fields=[
            ],
            options={
                'proxy': True,
            },
            bases=('fuzz_a.Child4',),
        ),
    ]
